//! `scale`: the same requests at 1k, 10k and 100k organizations (and as many users) in DynamoDB
//! Local, loaded with BatchWriteItem from items built by the store's own create actions. The
//! tree: the root, ten mid-level organizations, every other organization a leaf under a
//! mid-level one (round robin), one user per leaf. Measured at each size, over a few random
//! targets: an access check (an admin of a mid-level organization acting in one of its leaves:
//! caller resolution + reach), a GET of an organization and of a user, a middle page of the
//! organization list as the root superadmin (whose partition holds an edge to every organization),
//! and middle pages of the activity log of the first mid-level organization, which holds as many
//! activities as the table has organizations (R21: one Query per page, filtered or not).

use std::collections::HashMap;
use std::fmt::Write;
use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use orgs_bench::canned::with_interceptor;
use orgs_bench::meter::{CapacityMeter, Usage};
use orgs_bench::report::{num, Budget, Section};
use orgs_tests::TestApi;
use serde_json::json;
use shared::authz::identity::{Identity, RequestMeta};
use shared::model::activity::{ActivityKind, ActorType};
use shared::model::org::OrgItem;
use shared::model::user::{Role, UserItem};
use shared::policy::{Actor, SystemJob, SystemPermit};
use shared::store::activity::Change;
use shared::AppState;

type Item = HashMap<String, AttributeValue>;

/// Mid-level organizations: every other organization is a leaf under one of them, so the root's
/// partition (and each mid-level one's) grows with the table while a page's ancestors do not.
const MIDS: usize = 10;

/// The activity log's actors and kinds: every (kind, actor) pair holds 1/20 of the log, so a
/// filtered page is a page of GSI3 whatever the log's size (50 matches at 1k).
const LOG_ACTORS: usize = 5;
const LOG_KINDS: [ActivityKind; 4] =
    [ActivityKind::UserCreated, ActivityKind::UserUpdated, ActivityKind::RoleCreated, ActivityKind::RoleMemberAdded];

/// The actor of the `n`th activity of the log.
fn log_actor(n: usize) -> String {
    format!("00000000-0000-4000-8000-{:012x}", n % LOG_ACTORS)
}

/// The `n`th activity of the log of `org`, as the store's own action builds it.
fn log_activity(store: &shared::store::Store<'_>, org: &str, n: usize) -> shared::store::TxAction {
    let actor = Actor {
        actor_type: ActorType::User,
        actor_id: log_actor(n),
        actor_organization_id: Some(org.to_string()),
        ip: Some("203.0.113.10".into()),
        details: None,
        request_id: uuid::Uuid::new_v4().to_string(),
        token_id: None,
        service_id: Some("users".into()),
    };
    let permit = SystemPermit::for_job(SystemJob::Bootstrap, actor);
    let mut changes = serde_json::Map::new();
    changes.insert("first_name".into(), json!({"from": "Ada", "to": "Grace"}));
    let change = Change {
        kind: LOG_KINDS[(n / LOG_ACTORS) % LOG_KINDS.len()],
        organization_id: org,
        target_type: "user",
        target_id: &log_actor(n + 1),
        changes,
    };
    store.activity_action(&permit, change).expect("activity action")
}

/// Writes `items` with BatchWriteItem, 25 per call, 8 calls in flight, retrying unprocessed ones.
async fn batch_write(client: &aws_sdk_dynamodb::Client, table: &str, items: Vec<Item>) {
    let chunks: Vec<Vec<Item>> = items.chunks(25).map(|c| c.to_vec()).collect();
    let mut shards: Vec<Vec<Vec<Item>>> = vec![Vec::new(); 8];
    for (i, c) in chunks.into_iter().enumerate() {
        shards[i % 8].push(c);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for shard in shards {
        let (client, table) = (client.clone(), table.to_string());
        tasks.spawn(async move {
            for chunk in shard {
                let mut reqs: Vec<WriteRequest> = chunk
                    .into_iter()
                    .map(|item| {
                        WriteRequest::builder()
                            .put_request(PutRequest::builder().set_item(Some(item)).build().expect("put"))
                            .build()
                    })
                    .collect();
                while !reqs.is_empty() {
                    let out =
                        client.batch_write_item().request_items(&table, reqs).send().await.expect("BatchWriteItem");
                    reqs = out.unprocessed_items.and_then(|mut m| m.remove(&table)).unwrap_or_default();
                }
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.expect("loader task");
    }
}

/// The Put items of a set of transaction actions (conditions and counters are the live
/// service's business; a bulk load only needs the items).
fn puts(actions: Vec<shared::store::TxAction>) -> Vec<Item> {
    actions.into_iter().filter_map(|a| a.into_put_item()).collect()
}

fn child_of(template: &OrgItem, parent: &OrgItem, n: usize) -> OrgItem {
    let mut o = template.clone();
    let id = uuid::Uuid::new_v4().to_string();
    o.pk = shared::store::keys::org_pk(&id);
    o.organization_id = id;
    o.name = format!("Scale org {n}");
    o.code = None;
    o.domains = Vec::new();
    o.parent_organization_id = Some(parent.organization_id.clone());
    o.ancestors = parent.ancestors.clone();
    o.ancestors.push(parent.as_ancestor());
    o
}

struct Tree {
    template: OrgItem,
    root: OrgItem,
    mids: Vec<OrgItem>,
    /// Leaves under `mids[0]` (the access check's targets) and users (GET targets).
    first_mid_leaves: Vec<String>,
    users: Vec<String>,
    orgs: usize,
    /// Activities in the log of `mids[0]`.
    activities: usize,
}

impl Tree {
    /// Adds organizations (and a user per leaf) until there are `target` organizations, and
    /// activities to the log of `mids[0]` until it holds `target`.
    async fn grow(&mut self, api: &TestApi, loader: &aws_sdk_dynamodb::Client, target: usize) {
        let store = api.state.store();
        let permit = orgs_tests::system_permit();
        let permit = &permit;
        let table = api.state.config.table_name.clone();
        let mut items = Vec::new();
        let want_mids = MIDS;
        while self.mids.len() < want_mids && self.orgs < target {
            let mid = child_of(&self.template, &self.root, self.orgs);
            items.extend(puts(store.create_org_actions(permit, &mid, Some(&self.root)).expect("mid actions")));
            self.mids.push(mid);
            self.orgs += 1;
        }
        let now = shared::model::now_ms();
        let mut k = self.orgs;
        while self.orgs < target {
            let parent = &self.mids[k % self.mids.len()];
            let leaf = child_of(&self.template, parent, self.orgs);
            items.extend(puts(store.create_org_actions(permit, &leaf, Some(parent)).expect("leaf actions")));
            let uid = uuid::Uuid::new_v4().to_string();
            let user =
                UserItem::new(&uid, leaf.path(), &format!("u{}@scale.example", self.orgs), Role::User, now, None);
            items.extend(puts(store.create_user_actions(permit, &user).expect("user actions")));
            if parent.organization_id == self.mids[0].organization_id && self.first_mid_leaves.len() < 50 {
                self.first_mid_leaves.push(leaf.organization_id.clone());
            }
            if self.users.len() < 50 || fastrand_pick(self.orgs) {
                self.users.push(uid);
            }
            self.orgs += 1;
            k += 1;
        }
        let log_org = self.mids[0].organization_id.clone();
        while self.activities < target {
            items.extend(puts(vec![log_activity(&store, &log_org, self.activities)]));
            self.activities += 1;
        }
        let count = items.len();
        let t = Instant::now();
        batch_write(loader, &table, items).await;
        eprintln!(
            "scale: {} organizations, {} activities: wrote {count} items in {:.1} s",
            self.orgs,
            self.activities,
            t.elapsed().as_secs_f64()
        );
    }
}

/// Keeps a thin sample of later users (every 997th) so targets spread over the whole table.
fn fastrand_pick(n: usize) -> bool {
    n % 997 == 0
}

/// What one measured operation cost at one size (averaged over its targets).
#[derive(Debug, Clone, Default)]
struct Point {
    calls: Vec<usize>,
    read_units: Vec<f64>,
    ms: Vec<f64>,
}

impl Point {
    fn add(&mut self, u: &Usage, ms: f64) {
        self.calls.push(u.calls());
        self.read_units.push(u.read_units());
        self.ms.push(ms);
    }

    fn calls_text(&self) -> String {
        let (lo, hi) = (self.calls.iter().min().copied().unwrap_or(0), self.calls.iter().max().copied().unwrap_or(0));
        if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}–{hi}")
        }
    }

    fn ru(&self) -> f64 {
        self.read_units.iter().sum::<f64>() / self.read_units.len().max(1) as f64
    }
}

const OPS: [&str; 6] = [
    "access check (resolve caller + reach a leaf)",
    "GET /organizations/{id}",
    "GET /users/{id}",
    "GET /organizations (a middle page of 20)",
    "GET /organizations/{id}/activities (a middle page of 20)",
    "GET /organizations/{id}/activities (a middle page of 20 by type and actor)",
];

pub async fn run(sizes: &[usize]) -> Section {
    let mut api = TestApi::new().await;
    let loader = api.state.dynamo.clone();
    let meter = CapacityMeter::default();
    let store_state = api.state.clone();
    // The template organization (a real create through the API) and the mid-level admin.
    let template_id = api.create_org(&api.root_org, json!({})).await;
    let template = store_state.store().get_org(&template_id, true).await.expect("read").expect("template org");
    let root = store_state.store().get_org(&api.root_org, true).await.expect("read").expect("root org");
    let mut tree = Tree {
        template,
        root,
        mids: Vec::new(),
        first_mid_leaves: Vec::new(),
        users: Vec::new(),
        orgs: 2,
        activities: 0,
    };
    api.state = AppState::from_clients(
        api.state.config.clone(),
        with_interceptor(&api.state.dynamo, meter.clone()),
        api.state.s3.clone(),
    );
    let mut admin: Option<String> = None;
    let mut results: Vec<(usize, Vec<Point>)> = Vec::new();
    for &size in sizes {
        tree.grow(&api, &loader, size).await;
        if admin.is_none() {
            admin = Some(api.create_user(&tree.mids[0].organization_id, Role::Admin).await);
        }
        let admin = admin.clone().unwrap_or_default();
        let mut points = vec![Point::default(); OPS.len()];
        let targets = 8;
        let pick = |v: &Vec<String>, i: usize| v[(i * 7919 + size) % v.len()].clone();
        // cursors into the middle of the root's list: pages 2 to 9, one per target. Which
        // organizations a page holds is chance (the list is in id order, ids are random), and
        // with them how many distinct ancestors and templates the page's batch read fetches for
        // their summaries: one page measured eight times made that chance the figure (15.5 to
        // 17.5 read units between sizes and runs, with the same calls).
        let next_cursor = |page: orgs_tests::Resp| page.body["next_cursor"].as_str().unwrap_or("").to_string();
        let mut list_cursors = Vec::with_capacity(targets);
        let mut cursor = next_cursor(api.get("/organizations?limit=20").send().await);
        for _ in 0..targets {
            let next = next_cursor(api.get(&format!("/organizations?limit=20&cursor={cursor}")).send().await);
            list_cursors.push(std::mem::replace(&mut cursor, next));
        }
        // cursors into the middle of the first mid-level organization's log, unfiltered and
        // filtered by both type and actor (GSI3)
        let log = format!("/organizations/{}/activities?limit=20", tree.mids[0].organization_id);
        let filtered = format!("{log}&type={}&actor_id={}", LOG_KINDS[1].as_str(), log_actor(3));
        let log_pages = [
            format!("{log}&cursor={}", next_cursor(api.get(&log).send().await)),
            format!("{filtered}&cursor={}", next_cursor(api.get(&filtered).send().await)),
        ];
        for (i, list_cursor) in list_cursors.iter().enumerate() {
            let leaf = pick(&tree.first_mid_leaves, i);
            let user = pick(&tree.users, i);
            meter.reset();
            let t = Instant::now();
            let identity = Identity {
                user_id: Some(admin.clone()),
                organization_id: Some(leaf.clone()),
                from_authorizer: false,
                actor_type: shared::model::activity::ActorType::User,
                meta: RequestMeta::default(),
            };
            shared::authz::caller::resolve(&api.state, identity).await.expect("access check allows");
            points[0].add(&meter.take(), t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            api.get(&format!("/organizations/{leaf}")).send().await.expect(200);
            points[1].add(&meter.take(), t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            api.get(&format!("/users/{user}")).send().await.expect(200);
            points[2].add(&meter.take(), t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let page = api.get(&format!("/organizations?limit=20&cursor={list_cursor}")).send().await;
            page.expect(200);
            assert_eq!(page.data().as_array().map(Vec::len), Some(20), "a full middle page");
            points[3].add(&meter.take(), t.elapsed().as_secs_f64() * 1e3);
            for (k, url) in log_pages.iter().enumerate() {
                let t = Instant::now();
                let page = api.get(url).send().await;
                page.expect(200);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                assert_eq!(page.data().as_array().map(Vec::len), Some(20), "a full middle page of the log: {url}");
                let usage = meter.take();
                let queries = usage.calls_by_op().get("Query").copied();
                assert_eq!(queries, Some(1), "a page of the log is one Query (R21): {url}: {}", usage.calls_text());
                points[4 + k].add(&usage, ms);
            }
        }
        results.push((size, points));
    }

    let mut md = String::new();
    let _ = write!(md, "| operation |");
    for (size, _) in &results {
        let _ = write!(md, " {size} orgs: calls | read units | local ms |");
    }
    let _ = write!(md, "\n|---|");
    for _ in &results {
        let _ = write!(md, "---:|---:|---:|");
    }
    md.push('\n');
    let mut flat = true;
    let mut notes = Vec::new();
    for (k, op) in OPS.iter().enumerate() {
        let _ = write!(md, "| {op} |");
        for (_, points) in &results {
            let p = &points[k];
            let ms = orgs_bench::stats::median(&p.ms);
            let _ = write!(md, " {} | {} | {ms:.1} |", p.calls_text(), num(p.ru()));
        }
        md.push('\n');
        let calls: Vec<String> = results.iter().map(|(_, p)| p[k].calls_text()).collect();
        let ru: Vec<f64> = results.iter().map(|(_, p)| p[k].ru()).collect();
        let (lo, hi) = ru.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        let calls_flat = calls.iter().all(|c| *c == calls[0] && !c.contains('–'));
        if !calls_flat || hi > lo * 1.1 + 1e-9 {
            flat = false;
            notes.push(format!("{op}: calls {calls:?}, read units {ru:?}"));
        }
    }
    let _ = writeln!(
        md,
        "\n{} targets per size; \"read units\" are the mean consumed read units reported by DynamoDB Local; \
         \"local ms\" is the median latency against DynamoDB Local on this machine (not what Lambda sees). \
         Each size adds users too: one per leaf organization, and as many activities to the log of the \
         first mid-level organization as there are organizations. Every page of the log is one Query \
         (asserted at each size; the other calls are the caller's and the organization's BatchGetItem).",
        8
    );
    Section {
        markdown: md,
        budgets: vec![Budget::new(
            "Scale: calls and read units flat from 1k to 100k",
            flat && results.len() == sizes.len() && !sizes.is_empty(),
            if flat {
                format!("flat over {}", sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" / "))
            } else {
                notes.join("; ")
            },
        )],
    }
}
