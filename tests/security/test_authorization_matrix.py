"""The authorization matrix: every URL and every API operation, asked by every kind of actor.

The tables below are the access policy, as a reviewer reads it. A URL or API operation that is
not in them fails ``test_every_url_is_in_the_matrix`` ("unclassified URL"): a new page is
classified before it ships. Each row is one request (method, and the object in its path: "A" =
agency A's employee/document/..., "B" = agency B's, "-" = none); each column one actor.

Answers:
  +  allowed: 2xx, or a redirect anywhere but the sign-in page; a POST also took effect (it
     wrote to the audit trail, as every change does)
  0  answered, nothing written: refused with a message (the object is visible to them), or a
     form with errors (API and the OAuth endpoints: 400 with an error code)
  L  sign in first: a redirect to the sign-in page (API and userinfo: 401)
  -  not found: 404, exactly the answer for an object that does not exist
  F  forbidden: 403 (the Django admin's own model permissions; a passkey's options asked
     without a sign-in in progress)
  M  method not allowed: 405
Whatever the answer, L, -, F and M write nothing to the audit trail; and no answer shows the
employee of an agency to an actor who may not see that agency's employees (SEES below).

Actors (conftest.PEOPLE): an anonymous, em the employee (ASN of A), co a colleague (another ASN
of A); operator, verifier, records officer, agency admin, monitor, auditor of A (oA vA rA aA mA
uA); the same roles of B but monitor and auditor (oB vB rB aB); bk BKN admin, mN national
monitor, uN national auditor. API only, tokens of A with one scope each: tE employees:read,
tD documents:read, tU documents:write, tV decisions:write, tP reports:read, tA audit:read; tN a
national token with employees:read, documents:read and reports:read. A token without the
operation's scope gets 403 (F) whatever the object, before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from tests.security import routes
from tests.security.conftest import PASSWORD, PEOPLE, TOKENS, client_for, masked, perform

WEB = """
method route                          on  an em co oA vA rA aA mA uA oB vB rB aB bk mN uN
# Public pages, and the steps before a session exists
GET  core:landing                     -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  healthz                          -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  core:status                      -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  set_language                     -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST set_language                     -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  verification:start               -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  verification:check               A   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST verification:check               A   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:login                   -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:login                   -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:code                    -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
POST accounts:code                    -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
GET  accounts:activate                -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
POST accounts:activate                -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
# Passkeys at sign-in: only with a sign-in in progress (options: 403 JSON for the script)
GET  accounts:passkey_login           -   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:passkey_login           -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
GET  accounts:passkey_login_options   -   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:passkey_login_options   -   F  F  F  F  F  F  F  F  F  F  F  F  F  F  F  F
GET  accounts:passkey_enrol           -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
POST accounts:passkey_enrol           -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
GET  accounts:passkey_enrol_options   -   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:passkey_enrol_options   -   F  F  F  F  F  F  F  F  F  F  F  F  F  F  F  F
GET  accounts:mfa_reset               -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:mfa_reset               -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:mfa_reset_email         -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:mfa_reset_email         -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:mfa_reset_confirm       -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:mfa_reset_confirm       -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:password_reset          -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:password_reset          -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:password_reset_email    -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:password_reset_email    -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:password_reset_confirm  -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:password_reset_confirm  -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  api:openapi-json                 -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  api:openapi-view                 -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  api:api-root                     -   -  -  -  -  -  -  -  -  -  -  -  -  -  -  -  -
# One's own account
GET  core:home                        -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  accounts:recovery_codes          -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:recovery_codes          -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:logout                  -   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:logout                  -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:security                -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  accounts:password_change         -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:password_change         -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:password_upgrade        -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:password_upgrade        -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:reauth                  -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:reauth                  -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:reauth_passkey          -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:reauth_passkey          -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:reauth_passkey_options  -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:reauth_passkey_options  -   L  0  F  F  F  F  F  F  F  F  F  F  F  F  F  F
GET  accounts:add_device              -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:add_device              -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:rename_device           A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:rename_device           A   L  +  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:remove_device           A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:remove_device           A   L  +  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:add_passkey             -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST accounts:add_passkey             -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:add_passkey_options     -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:add_passkey_options     -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:rename_passkey          A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:rename_passkey          A   L  +  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:remove_passkey          A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:remove_passkey          A   L  +  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  accounts:regenerate_codes        -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:regenerate_codes        -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  accounts:logout_everywhere       -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:logout_everywhere       -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  audit:my_access                  -   L  +  +  -  -  -  -  -  -  -  -  -  -  -  -  -
# API tokens: agency admins for their agency, BKN for any
GET  accounts:api_tokens              -   L  -  -  -  -  -  +  -  -  -  -  -  +  +  -  -
POST accounts:api_tokens              A   L  -  -  -  -  -  +  -  -  -  -  -  -  +  -  -
POST accounts:api_tokens              B   L  -  -  -  -  -  -  -  -  -  -  -  +  +  -  -
GET  accounts:revoke_api_token        A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST accounts:revoke_api_token        A   L  -  -  -  -  -  +  -  -  -  -  -  -  +  -  -
POST accounts:revoke_api_token        B   L  -  -  -  -  -  -  -  -  -  -  -  +  +  -  -
# Employees: staff of the agency and national readers; the employee sees their own page.
# Monitors see figures and the missing-documents report, never a personal page or a document.
GET  personnel:employee_list          -   L  -  -  +  +  +  +  -  -  +  +  +  +  +  -  -
GET  personnel:missing_report         -   L  -  -  +  +  +  +  +  -  +  +  +  +  +  +  -
GET  records:schedules                -   L  -  -  +  +  +  +  +  -  +  +  +  +  +  +  -
GET  personnel:employee_detail        A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -
GET  personnel:employee_detail        B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -
GET  personnel:correct_email          A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST personnel:correct_email          A   L  0  -  0  0  0  +  -  -  -  -  -  -  +  -  -
POST personnel:correct_email          B   L  -  -  -  -  -  -  -  -  0  0  0  +  +  -  -
GET  personnel:reset_mfa              A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST personnel:reset_mfa              A   L  0  -  0  0  0  +  -  -  -  -  -  -  +  -  -
POST personnel:reset_mfa              B   L  -  -  -  -  -  -  -  -  0  0  0  +  +  -  -
# Uploads: the employee to their own dossier, operators and agency admins to their agency's
GET  personnel:upload_document        A   L  +  -  +  -  -  +  -  -  -  -  -  -  +  -  -
GET  personnel:upload_document        B   L  -  -  -  -  -  -  -  -  +  -  -  +  +  -  -
POST personnel:upload_document        A   L  +  -  +  -  -  +  -  -  -  -  -  -  +  -  -
POST personnel:upload_document        B   L  -  -  -  -  -  -  -  -  +  -  -  +  +  -  -
GET  personnel:bulk_upload            -   L  -  -  +  -  -  +  -  -  +  -  -  +  +  -  -
POST personnel:bulk_upload            A   L  -  -  +  -  -  +  -  -  0  -  -  0  +  -  -
POST personnel:bulk_upload            B   L  -  -  0  -  -  0  -  -  +  -  -  +  +  -  -
# A bulk file proposed by its text: only the operator who sent it sees, confirms or skips it
GET  personnel:bulk_proposal          A   L  -  -  +  -  -  -  -  -  -  -  -  -  -  -  -
GET  personnel:bulk_proposal          B   L  -  -  -  -  -  -  -  -  +  -  -  -  -  -  -
POST personnel:bulk_proposal          A   L  -  -  +  -  -  -  -  -  -  -  -  -  -  -  -
POST personnel:bulk_proposal          B   L  -  -  -  -  -  -  -  -  +  -  -  -  -  -  -
# Documents: whoever sees the employee reads them; verifiers and agency admins decide
GET  documents:detail                 A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -
GET  documents:detail                 B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -
GET  documents:search                 -   L  -  -  +  +  +  +  -  -  +  +  +  +  +  -  -
GET  documents:view                   A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -
GET  documents:view                   B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -
GET  documents:download               A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -
GET  documents:download               B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -
GET  documents:thumbnail              A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -
GET  documents:thumbnail              B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -
GET  documents:accept                 A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST documents:accept                 A   L  0  -  0  +  0  +  -  -  -  -  -  -  0  -  -
POST documents:accept                 B   L  -  -  -  -  -  -  -  -  0  +  0  +  0  -  -
GET  documents:reject                 A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST documents:reject                 A   L  0  -  0  +  0  +  -  -  -  -  -  -  0  -  -
POST documents:reject                 B   L  -  -  -  -  -  -  -  -  0  +  0  +  0  -  -
# The verifier's queue: verifiers and agency admins of the agency; its admins keep the reasons.
# Moving on (next) and keeping a claim (renew) change no record: answered, nothing audited.
GET  queue:list                       -   L  -  -  -  +  -  +  -  -  -  +  -  +  -  -  -
GET  queue:next                       -   L  -  -  -  +  -  +  -  -  -  +  -  +  -  -  -
POST queue:next                       -   L  -  -  -  0  -  0  -  -  -  0  -  0  -  -  -
GET  queue:item                       A   L  -  -  -  +  -  +  -  -  -  -  -  -  -  -  -
GET  queue:item                       B   L  -  -  -  -  -  -  -  -  -  +  -  +  -  -  -
GET  queue:renew                      A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST queue:renew                      A   L  -  -  -  0  -  0  -  -  -  -  -  -  -  -  -
POST queue:renew                      B   L  -  -  -  -  -  -  -  -  -  0  -  0  -  -  -
GET  queue:accept                     A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST queue:accept                     A   L  -  -  -  +  -  +  -  -  -  -  -  -  -  -  -
POST queue:accept                     B   L  -  -  -  -  -  -  -  -  -  +  -  +  -  -  -
GET  queue:reject                     A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST queue:reject                     A   L  -  -  -  +  -  +  -  -  -  -  -  -  -  -  -
POST queue:reject                     B   L  -  -  -  -  -  -  -  -  -  +  -  +  -  -  -
GET  queue:reasons                    -   L  -  -  -  -  -  +  -  -  -  -  -  +  -  -  -
POST queue:reasons                    A   L  -  -  -  -  -  +  -  -  -  -  -  -  -  -  -
POST queue:reasons                    B   L  -  -  -  -  -  -  -  -  -  -  -  +  -  -  -
GET  queue:remove_reason              A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST queue:remove_reason              A   L  -  -  -  -  -  +  -  -  -  -  -  -  -  -  -
POST queue:remove_reason              B   L  -  -  -  -  -  -  -  -  -  -  -  +  -  -  -
# Records: holds by records officers, transfers by BKN, the dossier for its owner and archivists
GET  records:place_hold               A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST records:place_hold               A   L  0  -  0  0  +  0  -  -  -  -  -  -  +  -  -
POST records:place_hold               B   L  -  -  -  -  -  -  -  -  0  0  +  0  +  -  -
GET  records:lift_hold                A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST records:lift_hold                A   L  -  -  0  0  +  0  -  -  -  -  -  -  +  -  -
POST records:lift_hold                B   L  -  -  -  -  -  -  -  -  0  0  +  0  +  -  -
GET  records:transfer                 A   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  records:transfer                 B   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
POST records:transfer                 A   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
POST records:transfer                 B   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  records:export                   A   L  +  -  -  -  +  -  -  -  -  -  -  -  +  -  -
GET  records:export                   B   L  -  -  -  -  -  -  -  -  -  -  +  -  +  -  -
# Destruction: records officers propose; the agency's officers, admins, auditors and BKN follow
GET  records:destruction_list         -   L  -  -  -  -  +  +  -  +  -  -  +  +  +  -  +
GET  records:destruction_create       -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST records:destruction_create       A   L  -  -  -  -  +  -  -  -  -  -  -  -  -  -  -
POST records:destruction_create       B   L  -  -  -  -  -  -  -  -  -  -  +  -  -  -  -
GET  records:destruction_detail       A   L  -  -  -  -  +  +  -  +  -  -  -  -  +  -  +
GET  records:destruction_detail       B   L  -  -  -  -  -  -  -  -  -  -  +  +  +  -  +
GET  records:destruction_record       A   L  -  -  -  -  +  +  -  +  -  -  -  -  +  -  +
GET  records:destruction_record       B   L  -  -  -  -  -  -  -  -  -  -  +  +  +  -  +
GET  records:destruction_step         A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST records:destruction_step         A   L  -  -  -  -  +  -  -  -  -  -  -  -  -  -  -
POST records:destruction_step         B   L  -  -  -  -  -  -  -  -  -  -  +  -  -  -  -
# The operator's unfinished work: operators and agency admins of their agencies
GET  worklists:home                   -   L  -  -  +  -  -  +  -  -  +  -  -  +  -  -  -
GET  worklists:metadata               -   L  -  -  +  -  -  +  -  -  +  -  -  +  -  -  -
POST worklists:metadata               -   L  -  -  0  -  -  0  -  -  0  -  -  0  -  -  -
GET  worklists:rejected               -   L  -  -  +  -  -  +  -  -  +  -  -  +  -  -  -
GET  worklists:missing                -   L  -  -  +  -  -  +  -  -  +  -  -  +  -  -  -
# Correction requests: the employee asks (their own only), their agency's operators and admins
# answer; nobody else, not even national roles, sees them
GET  corrections:own_list             -   L  +  +  -  -  -  -  -  -  -  -  -  -  -  -  -
GET  corrections:create               -   L  +  +  -  -  -  -  -  -  -  -  -  -  -  -  -
POST corrections:create               -   L  +  +  -  -  -  -  -  -  -  -  -  -  -  -  -
GET  corrections:agency_list          -   L  -  -  +  -  -  +  -  -  +  -  -  +  -  -  -
GET  corrections:detail               A   L  +  -  +  -  -  +  -  -  -  -  -  -  -  -  -
GET  corrections:detail               B   L  -  -  -  -  -  -  -  -  +  -  -  +  -  -  -
GET  corrections:attachment           A   L  +  -  +  -  -  +  -  -  -  -  -  -  -  -  -
GET  corrections:attachment           B   L  -  -  -  -  -  -  -  -  +  -  -  +  -  -  -
GET  corrections:answer               A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST corrections:answer               A   L  0  -  +  -  -  +  -  -  -  -  -  -  -  -  -
POST corrections:answer               B   L  -  -  -  -  -  -  -  -  +  -  -  +  -  -  -
# Dashboards (monitors and admins) and the audit trail (auditors)
GET  dashboards:national              -   L  -  -  -  -  -  +  +  -  -  -  -  +  +  +  -
GET  dashboards:agency                A   L  -  -  -  -  -  +  +  -  -  -  -  -  +  +  -
GET  dashboards:agency                B   L  -  -  -  -  -  -  -  -  -  -  -  +  +  +  -
GET  audit:search                     -   L  -  -  -  -  -  -  -  +  -  -  -  -  -  -  +
# Single sign-on (OpenID Connect provider). The protocol endpoints answer applications:
# discovery and keys are public; the authorization endpoint is the site's sign-in; the token,
# revocation and userinfo endpoints refuse a request without a client or token (400: 0, 401:
# L). A refused passkey at the step-up is recorded (login.passkey_failed), hence its "+".
GET  oauth2_provider:oidc-connect-discovery-info -  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  oauth2_provider:jwks-info        -   +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  oauth2_provider:authorize        -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST oauth2_provider:authorize        -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  oauth2_provider:token            -   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST oauth2_provider:token            -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  oauth2_provider:revoke-token     -   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST oauth2_provider:revoke-token     -   0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  oauth2_provider:user-info        -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
POST oauth2_provider:user-info        -   L  L  L  L  L  L  L  L  L  L  L  L  L  L  L  L
GET  oauth2_provider:rp-initiated-logout -  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST oauth2_provider:rp-initiated-logout -  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
GET  sso:step_up                      -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
POST sso:step_up                      -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  sso:step_up_options              -   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST sso:step_up_options              -   L  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
# One's own consent to an application (the employee of A's), taken back on the security page
GET  sso:revoke_consent               A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST sso:revoke_consent               A   L  +  -  -  -  -  -  -  -  -  -  -  -  -  -  -
# Single sign-on applications: national admins register and manage them
GET  sso:clients                      -   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
POST sso:clients                      -   L  -  -  -  -  -  -  -  -  -  -  -  -  0  -  -
GET  sso:rotate_secret                A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST sso:rotate_secret                A   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  sso:disable                      A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST sso:disable                      A   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  sso:change                       A   L  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST sso:change                       A   L  -  -  -  -  -  -  -  -  -  -  -  -  0  -  -
# The Django admin: national admins only, behind the site's own sign-in
GET  admin:index                      -   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  admin:login                      -   L  -  -  -  -  -  -  -  -  -  -  -  -  -  -  -
GET  admin:logout                     -   L  -  -  -  -  -  -  -  -  -  -  -  -  M  -  -
POST admin:logout                     -   L  -  -  -  -  -  -  -  -  -  -  -  -  0  -  -
GET  admin:password_change            -   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
POST admin:password_change            -   L  -  -  -  -  -  -  -  -  -  -  -  -  0  -  -
GET  admin:password_change_done       -   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  admin:autocomplete               -   L  -  -  -  -  -  -  -  -  -  -  -  -  F  -  -
GET  admin:jsi18n                     -   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  admin:view_on_site               A   L  -  -  -  -  -  -  -  -  -  -  -  -  -  -  -
GET  admin:app_list                   -   L  -  -  -  -  -  -  -  -  -  -  -  -  +  -  -
GET  admin/(?P<url>.*)$               -   L  -  -  -  -  -  -  -  -  -  -  -  -  -  -  -
"""

# Every model in the Django admin has the same six addresses (routes.ADMIN_VIEWS), asked with
# GET, and three forms, posted empty. Nobody but a BKN admin gets past the admin's door:
# anonymous visitors must sign in (L), everyone else signed in finds nothing (-). What the BKN
# admin gets, per model:
ADMIN = """
model                              changelist add history delete change old  POST:add change delete
accounts.user                      +          F   +       F      +      +    F        F      F
accounts.roleassignment            +          +   +       +      +      +    0        F      +
personnel.agency                   +          +   +       F      +      +    0        0      F
personnel.unit                     +          F   +       F      +      +    F        F      F
personnel.employee                 +          F   +       F      +      +    F        F      F
audit.auditevent                   +          F   +       F      +      +    F        F      F
documents.documenttype             +          +   +       F      +      +    0        0      F
records.retentionschedule          +          +   +       F      +      +    0        0      F
records.legalhold                  +          F   +       F      +      +    F        F      F
records.fixityrun                  +          F   +       F      +      +    F        F      F
schedule.scheduledjob              +          F   +       F      +      +    F        F      F
auth.group                         F          F   F       F      F      F    F        F      F
django_tasks_database.dbtaskresult F          F   F       F      F      F    F        F      F
"""

API = """
method operation                  on  an em co oA vA rA aA mA uA oB vB rB aB bk mN uN tE tD tU tV tP tA tN
GET  /catalogue                     -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +
GET  /employees                     -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  F  F  F  F  F  +
GET  /employees/{}                  A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -  +  F  F  F  F  F  +
GET  /employees/{}                  B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -  -  F  F  F  F  F  +
GET  /employees/{}/documents        A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -  F  +  F  F  F  F  +
GET  /employees/{}/documents        B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -  F  -  F  F  F  F  +
POST /employees/{}/documents        A   L  +  -  +  -  -  +  -  -  -  -  -  -  +  -  -  F  F  +  F  F  F  F
POST /employees/{}/documents        B   L  -  -  -  -  -  -  -  -  +  -  -  +  +  -  -  F  F  -  F  F  F  F
GET  /documents/{}/versions/{}/file A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -  F  +  F  F  F  F  +
GET  /documents/{}/versions/{}/file B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -  F  -  F  F  F  F  +
GET  /documents/{}/versions/{}/signatures A   L  +  -  +  +  +  +  -  -  -  -  -  -  +  -  -  F  +  F  F  F  F  +
GET  /documents/{}/versions/{}/signatures B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  -  -  F  -  F  F  F  F  +
GET  /documents/{}/accept           A   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST /documents/{}/accept           A   L  0  -  0  +  0  +  -  -  -  -  -  -  0  -  -  F  F  F  +  F  F  F
POST /documents/{}/accept           B   L  -  -  -  -  -  -  -  -  0  +  0  +  0  -  -  F  F  F  -  F  F  F
GET  /documents/{}/reject           A   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST /documents/{}/reject           A   L  0  -  0  +  0  +  -  -  -  -  -  -  0  -  -  F  F  F  +  F  F  F
POST /documents/{}/reject           B   L  -  -  -  -  -  -  -  -  0  +  0  +  0  -  -  F  F  F  -  F  F  F
GET  /reports/missing               A   L  -  -  +  +  +  +  +  -  -  -  -  -  +  +  -  F  F  F  F  +  F  +
GET  /reports/missing               B   L  -  -  -  -  -  -  -  -  +  +  +  +  +  +  -  F  F  F  F  -  F  +
GET  /corrections                   -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  F  F  F  F  F  F  F
GET  /corrections/figures           -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  F  F  F  F  +  F  +
GET  /corrections/{}/answer         A   M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST /corrections/{}/answer         A   L  0  -  +  -  -  +  -  -  -  -  -  -  -  -  -  F  F  F  F  F  F  F
POST /corrections/{}/answer         B   L  -  -  -  -  -  -  -  -  +  -  -  +  -  -  -  F  F  F  F  F  F  F
GET  /me/corrections                -   L  +  +  +  +  +  +  +  +  +  +  +  +  +  +  +  F  F  F  F  F  F  F
POST /me/corrections                -   L  +  +  -  -  -  -  -  -  -  -  -  -  -  -  -  F  F  F  F  F  F  F
GET  /queue                          -   L  -  -  -  +  -  +  -  -  -  +  -  +  -  -  -  F  +  F  F  F  F  -
GET  /queue/figures                 A   L  -  -  -  -  -  +  +  -  -  -  -  -  +  +  -  F  F  F  F  +  F  +
GET  /queue/figures                 B   L  -  -  -  -  -  -  -  -  -  -  -  +  +  +  -  F  F  F  F  -  F  +
GET  /search                         -   L  -  -  +  +  +  +  -  -  +  +  +  +  +  -  -  F  +  F  F  F  F  +
GET  /audit/events                  -   L  -  -  -  -  -  -  -  +  -  -  -  -  -  -  +  F  F  F  F  F  +  F
"""

# Who may see each agency's employee (here: the employee whose dossier is probed) anywhere:
# in pages, lists, reports, exports and API answers. Everyone else must never see their NIP.
SEES = {
    "A": {"em", "oA", "vA", "rA", "aA", "mA", "uA", "bk", "mN", "uN", "tN"}
    | {"tE", "tD", "tU", "tV", "tP", "tA"},
    "B": {"oB", "vB", "rB", "aB", "bk", "mN", "uN", "tN"},
}

# Public, with no personal data, and meant to be cached by the applications that read them.
CACHEABLE = {"oauth2_provider:jwks-info"}

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
DENIALS = "L-FM"


@dataclass(frozen=True)
class Row:
    surface: str  # "web", "admin" or "api"
    method: str
    key: str  # URL name (or route), "app.model:view" for the admin, the operation for the API
    target: str  # "A", "B" or "-"
    expected: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.method} {self.key} {self.target}"


def _table(text: str, surface: str) -> list[Row]:
    lines = [line for line in text.strip().splitlines() if not line.startswith("#")]
    actors = lines[0].split()[3:]
    rows = []
    for line in lines[1:]:
        method, key, target, *symbols = line.split()
        assert len(symbols) == len(actors), (
            f"{line!r}: {len(symbols)} answers, {len(actors)} actors"
        )
        rows.append(Row(surface, method, key, target, dict(zip(actors, symbols, strict=True))))
    return rows


def _admin_rows(text: str) -> list[Row]:
    lines = text.strip().splitlines()
    columns, method = [], "GET"
    for header in lines[0].split()[1:]:  # the GET columns, then "POST:" starts the POST ones
        method, view = header.split(":") if ":" in header else (method, header)
        columns.append((method, view))
    assert [v for m, v in columns if m == "GET"] == list(routes.ADMIN_VIEWS)
    rows = []
    for line in lines[1:]:
        label, *symbols = line.split()
        assert len(symbols) == len(columns), line
        for (method, view), symbol in zip(columns, symbols, strict=True):
            expected = {code: ("L" if code == "an" else "-") for code, _who in PEOPLE}
            expected["bk"] = symbol
            rows.append(Row("admin", method, f"{label}:{view}", "A", expected))
    return rows


ROWS = _table(WEB, "web") + _admin_rows(ADMIN) + _table(API, "api")


def test_the_tables_name_every_actor_in_order():
    people = [code for code, _who in PEOPLE]
    tokens = [code for code, _who in TOKENS]
    assert next(list(r.expected) for r in ROWS if r.surface == "web") == people
    assert next(list(r.expected) for r in ROWS if r.surface == "api") == people + tokens
    assert len({r.id for r in ROWS}) == len(ROWS), "a row appears twice"


def test_every_url_is_in_the_matrix(db):
    """A URL pattern without a row is unclassified: decide who may use it, then add the row."""
    served = routes.web_routes()
    classified = {r.key for r in ROWS if r.surface == "web"}
    classified |= {
        routes.admin_model_key(r.key.split(":")[0], view)
        for r in ROWS
        if r.surface == "admin"
        for view in routes.ADMIN_VIEWS
    }
    unclassified = sorted(set(served) - classified)
    assert not unclassified, "unclassified URL(s): " + ", ".join(unclassified)
    stale = sorted(classified - set(served))
    assert not stale, "rows for URLs that no longer exist: " + ", ".join(stale)
    asked_with_get = {r.key for r in ROWS if r.surface == "web" and r.method == "GET"}
    not_asked = {k for k in served if k not in asked_with_get and not k.startswith("admin")}
    assert not not_asked, f"every URL is asked at least with a GET: {not_asked}"


def test_every_api_operation_is_in_the_matrix(db):
    served = routes.api_operations()
    classified = {f"{r.method} {r.key}" for r in ROWS if r.surface == "api"}
    unclassified = sorted(served - classified)
    assert not unclassified, "unclassified API operation(s): " + ", ".join(unclassified)
    paths = {op.split(" ", 1)[1] for op in served}
    assert not {op for op in classified - served if op.split(" ", 1)[1] not in paths}


def test_a_route_that_refuses_get_is_asked_with_post():
    for row in ROWS:
        if row.method == "GET" and set(row.expected.values()) <= {"L", "M"}:
            assert any(r.key == row.key and r.method == "POST" for r in ROWS), (
                f"{row.key} answers GET with 405: its POST needs a row"
            )


# --- Asking -----------------------------------------------------------------------------------


def _url(world, row: Row, target: str) -> str:
    if row.surface == "api":
        return routes.api_url(world, row.key, target)
    if row.surface == "admin":
        label, view = row.key.split(":")
        return routes.admin_model_url(world, label, view)
    return routes.web_url(world, row.key, target)


def _payload(world, row: Row, target: str) -> tuple[dict | None, dict]:
    if row.method != "POST":
        return None, {}
    if row.surface == "api":
        build = routes.API_POST.get(row.key)
        return build(world, target) if build else ({}, {})
    build = routes.POST_DATA.get(row.key)
    return (build(world, target) if build else {}), {}


def _admin_door(world, actor: str) -> str:
    """What the admin's sign-in address answers this actor (every admin URL sends there)."""
    if actor not in world.admin_door:
        answer = perform(client_for(world, actor), "GET", ADMIN_LOGIN)
        world.admin_door[actor] = _classify(world, actor, answer, False)
    return world.admin_door[actor]


def _ask(world, actor: str, method: str, url: str, data, extra):
    """One request; a redirect inside the admin (but to its sign-in) is followed like a browser
    would, adding up what each step wrote to the audit trail."""
    client = client_for(world, actor)
    answer = perform(client, method, url, data, **extra)
    for _hop in range(3):
        target = urlparse(answer.location).path
        if not (answer.status == 302 and target.startswith("/admin/") and target != ADMIN_LOGIN):
            break
        audited = answer.audited
        answer = perform(client, "GET", answer.location)
        answer.audited += audited
    return answer


def _classify(world, actor: str, answer, api: bool) -> str:
    status = answer.status
    if 300 <= status < 400:
        target = urlparse(answer.location).path
        if target == LOGIN and not answer.audited:
            return "L"
        if target == ADMIN_LOGIN:
            return _admin_door(world, actor)
    if status == 401:  # the API, and the single sign-on endpoints asked without a token
        return "L"
    if status == 400:  # the API, and the OAuth endpoints' standard error answers
        return "0"
    if status in (403, 404, 405):
        return {403: "F", 404: "-", 405: "M"}[status]
    if status < 400:
        return "+" if answer.audited else "0"
    return f"HTTP {status}"


def _agrees(expected: str, got: str, method: str) -> bool:
    if expected == "+" and method == "GET":
        return got in ("+", "0")  # a page may or may not record that it was viewed
    return expected == got


def _leaks(world, actor: str, body: bytes) -> list[str]:
    found = []
    for where, allowed in SEES.items():
        employee = world.employee[where]
        if actor not in allowed and any(
            nip.encode() in body for nip in (employee.nip, employee.nip_grouped)
        ):
            found.append(f"shows the NIP of agency {where}'s employee")
    return found


def _missing(world, row: Row, actor: str):
    """The answer about an object that does not exist (asked once per route and actor)."""
    key = (row.surface, row.method, row.key, actor)
    if key not in world.missing_answers:
        data, extra = _payload(world, row, "missing")
        url = _url(world, row, "missing")
        world.missing_answers[key] = perform(
            client_for(world, actor), row.method, url, data, **extra
        )
    return world.missing_answers[key]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_authorization(world, db, row):
    url_target = row.target if row.target != "-" else "A"
    url = _url(world, row, url_target)
    wrong = []
    for actor, expected in row.expected.items():
        data, extra = _payload(world, row, url_target)
        answer = _ask(world, actor, row.method, url, data, extra)
        got = _classify(world, actor, answer, row.surface == "api")
        where = f"{actor}: {row.method} {url}"
        if not _agrees(expected, got, row.method):
            wrong.append(
                f"{where} expected {expected}, got {got} ({answer.status} {answer.location})"
            )
        if got in DENIALS and answer.audited:
            wrong.append(f"{where} refused ({got}) but wrote {answer.audited} audit event(s)")
        if row.method == "GET" and 200 <= answer.status < 300:
            wrong += [f"{where} {leak}" for leak in _leaks(world, actor, answer.body)]
            # Nothing with personal data stays in a browser's or a proxy's cache.
            cache_control = answer.headers.get("Cache-Control", "")
            private = "no-store" in cache_control and "private" in cache_control
            if not private and row.key not in CACHEABLE:
                wrong.append(f"{where} may be cached: Cache-Control {cache_control!r}")
        if got == "-" and row.target in ("A", "B") and row.surface != "admin":
            # Another agency's object must look exactly like one that does not exist.
            missing = _missing(world, row, actor)
            if (missing.status, masked(missing.body)) != (answer.status, masked(answer.body)):
                wrong.append(f"{where} answers differently from a missing object")
    assert not wrong, "\n".join(wrong)


# --- CSRF ---------------------------------------------------------------------------------------

# Representative browser forms, and the API used with a session: without the CSRF token they
# are refused with 403 before anything happens; the same request with the token gets through.
# (actor, surface, route, object, data; None: what the matrix sends)
CSRF_CASES = [
    ("an", "web", "accounts:login", "-", {"username": "199001012015011999", "password": "x" * 12}),
    ("an", "web", "verification:check", "A", {}),
    ("aA", "web", "personnel:correct_email", "A", None),
    ("vA", "web", "documents:accept", "A", None),
    ("vA", "web", "queue:accept", "A", None),
    ("aA", "web", "queue:reasons", "A", None),
    ("em", "web", "personnel:upload_document", "A", None),  # checks CSRF itself, after streaming
    ("aA", "web", "accounts:api_tokens", "A", None),
    ("em", "web", "accounts:logout_everywhere", "-", None),
    ("em", "web", "corrections:create", "-", None),
    ("aA", "web", "corrections:answer", "A", None),
    ("vA", "api", "/documents/{}/accept", "A", None),
    ("em", "api", "/employees/{}/documents", "A", None),
    ("aA", "api", "/corrections/{}/answer", "A", None),
]


@pytest.mark.parametrize(
    ("actor", "surface", "key", "target", "data"),
    CSRF_CASES,
    ids=[f"{c[0]} {c[2]}" for c in CSRF_CASES],
)
def test_a_post_without_the_csrf_token_is_refused(world, db, actor, surface, key, target, data):
    row = Row(surface, "POST", key, target, {})
    target = "A" if target == "-" else target

    def send(csrf: bool):
        built, extra = _payload(world, row, target)
        url = _url(world, row, target)
        return perform(
            client_for(world, actor),
            "POST",
            url,
            built if data is None else data,
            csrf=csrf,
            **extra,
        )

    refused = send(csrf=False)
    assert (refused.status, refused.audited) == (403, 0), refused.body[:300]
    accepted = send(csrf=True)
    assert accepted.status != 403, accepted.body[:300]


def test_the_admin_changes_no_password_itself(world, db):
    """Regression (issue 8): the Django admin's own form changed a BKN admin's password with the
    old password alone (no current code, no e-mail, no audit event). Both its addresses now send
    to the site's password change."""
    new = "kuda lumping makan sate"
    form = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    for method, data in (("GET", None), ("POST", form)):
        answer = perform(client_for(world, "bk"), method, reverse("admin:password_change"), data)
        assert (answer.status, answer.location, answer.audited) == (
            302,
            reverse("accounts:password_change"),
            0,
        )
