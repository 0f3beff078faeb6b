#!/usr/bin/env python3
"""Creates, through the API, what scripts/contract's path parameters and reference fields point
at (scripts/schemathesis.toml), so that every operation can reach a success: an organization,
user, role, group, template, token and organization requests to read and change, and a
throwaway one of each for the deletes. Prints `export CONTRACT_*=...` lines for the shell.

Usage: contract_fixtures.py BASE_URL USER_ID ORG_ID
"""

import json
import sys
import urllib.error
import urllib.request

BASE, USER, ORG = sys.argv[1:4]


def call(method, path, body=None):
    req = urllib.request.Request(BASE + path, method=method)
    req.add_header("User-ID", USER)
    req.add_header("Organization-ID", ORG)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data, timeout=30) as r:
            text = r.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"contract fixtures: {method} {path} answered {e.code}: {e.read()[:500]!r}")
    return json.loads(text) if text else {}


def org(code, parent=ORG):
    body = {"name": f"Contract {code}", "code": code, "contact_email": "ops@contract.test",
            "parent_organization_id": parent, "can_have_child_organizations": True, "rbac_template_id": "default"}
    return call("POST", "/organizations", body)["data"]["organization_id"]


def user(org_id, email):
    body = {"email": email, "organization_id": org_id, "role": "user", "first_name": "Con", "last_name": "Tract"}
    return call("POST", "/users", body)["data"]["user_id"]


def role(org_id, name, members=()):
    r = call("POST", f"/organizations/{org_id}/roles", {"name": name, "permissions": ["users:read"]})["data"]
    role_id = r["role_id"]
    if members:
        call("POST", f"/organizations/{org_id}/roles/{role_id}/members/bulk", {"members": list(members)})
    return role_id


def group(org_id, name):
    body = {"name": name, "parent_organization_id": org_id}
    return call("POST", "/user-groups", body)["data"]["user_group_id"]


def template(template_id):
    body = {"template_id": template_id, "display_name": template_id,
            "parent_visibility": {"user_mgmt": "full_access", "org_data": "full_access"},
            "child_visibility": {"org_data": "full_access"}, "org_visibility": {"org_data": "full_access"}}
    return call("POST", "/rbac-templates", body)["data"]["template_id"]


def request(name):
    return call("POST", "/organization-requests", {"organizationname": name})["data"]["request_id"]


fixtures = {}
fixtures["ORG"] = org("contract-org")
fixtures["DOOMED_ORG"] = org("contract-doomed")
fixtures["ROLES_ORG"] = org("contract-roles")
fixtures["USER"] = user(fixtures["ORG"], "user@contract.test")
fixtures["USER_EMAIL"] = "user@contract.test"
fixtures["DOOMED_USER"] = user(fixtures["ORG"], "doomed@contract.test")
fixtures["BULK_USER"] = user(fixtures["ORG"], "bulk@contract.test")
fixtures["ROLE"] = role(fixtures["ORG"], "Contract role", [fixtures["USER"]])
fixtures["DOOMED_ROLE"] = role(fixtures["ORG"], "Contract doomed role")
fixtures["MEMBER_ROLE"] = role(fixtures["ORG"], "Contract member role", [fixtures["USER"]])
fixtures["ASSIGNED_ROLE"] = role(fixtures["ORG"], "Contract assigned role", [fixtures["USER"]])
role(fixtures["ROLES_ORG"], "Contract roles-org role")
fixtures["GROUP"] = group(fixtures["ORG"], "Contract group")
fixtures["DOOMED_GROUP"] = group(fixtures["ORG"], "Contract doomed group")
fixtures["TEMPLATE"] = template("contract-template")
fixtures["DOOMED_TEMPLATE"] = template("contract-doomed-template")
fixtures["TOKEN"] = call("POST", "/api-tokens", {"name": "contract"})["data"]["token_id"]
fixtures["REQUEST"] = request("Contract approved")
fixtures["REJECTED_REQUEST"] = request("Contract rejected")
fixtures["ACTIVITY"] = call("GET", f"/organizations/{fixtures['ORG']}/activities")["data"][0]["activity_id"]

# Metabase: enabled and provisioned in the caller's organization (GET /metabase/session), enabled
# in one to recreate (its own: PATCH /organizations/{id} may turn the fixture's off).
call("PATCH", f"/organizations/{ORG}", {"enable_metabase": True})
call("POST", f"/organizations/{ORG}/metabase/recreate")
fixtures["METABASE_ORG"] = org("contract-metabase")
call("PATCH", f"/organizations/{fixtures['METABASE_ORG']}", {"enable_metabase": True})

for name, value in fixtures.items():
    print(f"export CONTRACT_{name}='{value}'")
