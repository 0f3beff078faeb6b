//! The store's side of idempotent requests ([`crate::edge::idempotency`]): while a claimed
//! request is served, every `TransactWriteItems` carries a `ClientRequestToken` derived from the
//! claimed key and the transaction's ordinal, so a re-run cannot commit a second time.

use std::future::Future;

tokio::task_local! {
    /// The claimed key of the request being served, read by [`crate::store::Store::transact`]; set by
    /// [`crate::edge::idempotency`] while it serves a claimed request.
    static TX_SCOPE: TxScope;
}

struct TxScope {
    base: String,
    next: std::sync::atomic::AtomicU32,
}

/// The `ClientRequestToken` for the next transaction of the current idempotent request, if any:
/// 36 hex characters of SHA-256(table, key, ordinal), the same on every re-run of the request.
pub fn next_transaction_token() -> Option<String> {
    TX_SCOPE
        .try_with(|s| {
            let n = s.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let h = crate::token::sha256_hex(format!("{}\n{n}", s.base).as_bytes());
            h[..36].to_string()
        })
        .ok()
}

/// Runs `fut` as the claimed request keyed by `base` (its transactions get stable tokens).
pub async fn in_tx_scope<F: Future>(base: String, fut: F) -> F::Output {
    TX_SCOPE.scope(TxScope { base, next: std::sync::atomic::AtomicU32::new(0) }, fut).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn transaction_tokens_are_stable_per_key_and_ordinal() {
        assert_eq!(next_transaction_token(), None, "outside a request: the SDK's own token");
        let run = || async {
            in_tx_scope("IDEMP#u#k".into(), async { (next_transaction_token(), next_transaction_token()) }).await
        };
        let (a1, a2) = run().await;
        let (b1, b2) = run().await;
        assert_eq!((a1.clone(), a2.clone()), (b1, b2));
        assert_ne!(a1, a2);
        assert_eq!(a1.unwrap().len(), 36);
    }
}
