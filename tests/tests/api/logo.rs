//! POST /organizations/{organization_identifier}/logo: content sniffing, S3, and the stored URL.

use orgs_tests::{multipart, TestApi, BUCKET};
use serde_json::json;
use shared::edge::logo::png_header;
use shared::model::user::Role;

#[tokio::test]
async fn png_is_stored_content_addressed_and_linked() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({"code": "logo-org"})).await;
    let png = png_header(120, 40);
    let (body, ct) = multipart(&[("usage_type", "login")], &[("logo", "logo.txt", &png)]);
    let r = api.req("POST", &format!("/organizations/{org}/logo")).raw(body, &ct).send().await;
    r.expect(200);
    let url = r.data()["logo_url"].as_str().unwrap().to_string();
    let key = url.split(&format!("/{BUCKET}/")).nth(1).unwrap().to_string();
    assert!(key.starts_with(&format!("logos/{org}/login/")) && key.ends_with(".png"), "{key}");
    let obj = api.state.s3().unwrap().get_object().bucket(BUCKET).key(&key).send().await.expect("object in S3");
    assert_eq!(obj.content_type.as_deref(), Some("image/png"), "type from content, not the declared name");
    let stored = obj.body.collect().await.unwrap().into_bytes();
    assert_eq!(stored.as_ref(), png.as_slice());
    let g = api.get("/organizations/logo-org").send().await;
    assert_eq!(g.data()["logo_url"], url.as_str());
    // darryl logos land in the darryl configuration
    let (body, ct) = multipart(&[("usage_type", "darryl")], &[("logo", "d.png", &png)]);
    let r = api.req("POST", &format!("/organizations/{org}/logo")).raw(body, &ct).send().await;
    r.expect(200);
    let g = api.get("/organizations/logo-org").send().await;
    assert_eq!(g.data()["configuration"]["darryl_configuration"]["logo_url"], r.data()["logo_url"]);
    assert_eq!(g.data()["logo_url"], url.as_str(), "login logo unchanged");
    assert_eq!(api.activities(&org).await.last().unwrap()["type"], "organization.logo_uploaded");
    // Seed 000: `usage_type` is optional; without it the logo is the login logo.
    let other = png_header(64, 64);
    let (body, ct) = multipart(&[], &[("logo", "l.png", &other)]);
    let r = api.req("POST", &format!("/organizations/{org}/logo")).raw(body, &ct).send().await;
    r.expect(200);
    assert!(r.data()["logo_url"].as_str().unwrap().contains(&format!("logos/{org}/login/")));
    assert_eq!(api.get("/organizations/logo-org").send().await.data()["logo_url"], r.data()["logo_url"]);
}

#[tokio::test]
async fn bad_logos_are_refused_and_nothing_written() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let path = format!("/organizations/{org}/logo");
    let before = api.item_count().await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let big = vec![0x89u8; shared::edge::logo::MAX_LOGO_BYTES + 10];
    let bomb = png_header(50_000, 50_000);
    let tiny = png_header(1, 1);
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<(&'a str, &'a str, &'a [u8])>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("usage_type", "login")], vec![("logo", "x.svg", &svg)], 415, "logo_unsupported_type"),
        (vec![("usage_type", "login")], vec![("logo", "x.png", &big)], 413, "payload_too_large"),
        (vec![("usage_type", "login")], vec![("logo", "x.png", &bomb)], 400, "logo_too_many_pixels"),
        (vec![("usage_type", "banner")], vec![("logo", "x.png", &tiny)], 400, "validation_failed"),
        (vec![("usage_type", "login")], vec![], 400, "validation_failed"),
        (vec![("usage_type", "login"), ("extra", "1")], vec![("logo", "x.png", &tiny)], 400, "validation_failed"),
    ];
    for (fields, files, status, code) in cases {
        let (body, ct) = multipart(&fields, &files);
        api.req("POST", &path).raw(body, &ct).send().await.expect_error(status, code);
    }
    api.req("POST", &path)
        .raw(b"{}".to_vec(), "application/json")
        .send()
        .await
        .expect_error(415, "unsupported_media_type");
    // not a superadmin / not accessible
    let admin = api.create_user(&org, Role::Admin).await;
    let (body, ct) = multipart(&[("usage_type", "login")], &[("logo", "x.png", &png_header(2, 2))]);
    api.req("POST", &path).as_user(&admin, &org).raw(body.clone(), &ct).send().await.expect_error(403, "forbidden");
    let other = api.create_org(&api.root_org, json!({})).await;
    let sa = api.create_user(&other, Role::Superadmin).await;
    api.req("POST", &path).as_user(&sa, &other).raw(body, &ct).send().await.expect_error(404, "organization_not_found");
    // users (user + email guard + org entry each) and the other org (4 items) only
    assert_eq!(api.item_count().await, before + 3 + 4 + 3);
    let listed =
        api.state.s3().unwrap().list_objects_v2().bucket(BUCKET).prefix(format!("logos/{org}/")).send().await.unwrap();
    assert_eq!(listed.key_count.unwrap_or(0), 0, "no object stored for refused uploads");
}
