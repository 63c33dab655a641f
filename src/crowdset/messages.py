"""Error and validation messages by code, so the API, the job resource, the pages and the command line
say the same thing in the reader's language (Simplified Chinese or English).

Every message a service, engine or edge check gives a user is a CODE with named PARAMETERS:
``msg("field.one_of", choices=["jsonl", "csv"])``. ``CATALOGUE`` maps each code to its English template
(``str.format`` style, ``{name}`` placeholders); the Chinese templates live in the Babel catalogue
``locales/zh_CN/LC_MESSAGES/errors.po`` with ``msgctxt`` = the code and ``msgid`` = the English
template, so a lookup is by code and an English edit shows up as an untranslated entry
(``scripts/i18n.py`` keeps ``errors.po`` of both locales in step with ``CATALOGUE``).

A ``Message`` is a ``str``: its value is the English text, so logs, ``str(exc)``, existing callers and
tests comparing texts keep working, while ``.code`` and ``.params`` travel with it for rendering in
another language (``render``) and for API clients that build their own text.

Parameters are JSON values (they go out in problems and are stored in job results): text, numbers,
booleans, null, lists (joined with the locale's separator when rendered) and nested messages (stored
as ``{"code": ..., "params": ...}``). Free text from a library (a JSON decoder's reason, an OS error)
is passed as a parameter and stays as it is inside the localized sentence.
"""

from __future__ import annotations

import string
from typing import Any

from crowdset.i18n import translations

ENGLISH = "en"
LEGACY = "text"
"""The code of a message given as free text (``{text}``): accepted during the move to codes only;
tests/test_messages.py finds none left in the source."""

CATALOGUE: dict[str, str] = {
    LEGACY: "{text}",
    # ---- problem titles (the ``title`` of an RFC 9457 problem, by its type's slug)
    "title.bad-request": "Bad request",
    "title.invalid": "Invalid input",
    "title.not-found": "Not found",
    "title.unauthorized": "Authentication required",
    "title.forbidden": "Forbidden",
    "title.conflict": "Conflict",
    "title.too-large": "Request body too large",
    "title.throttled": "Too many attempts",
    "title.bad-body": "Unreadable request body",
    "title.method-not-allowed": "Method Not Allowed",
    "title.ledger-key-unavailable": "Ledger key unavailable",
    # ---- how a problem's detail names one field
    "error.field": "{field}: {message}",
    # ---- generic field messages
    "field.required": "required",
    "field.one_of": "one of {choices}",
    "field.must_be_object": "must be an object",
    "field.must_be_list": "must be a list",
    "field.must_be_string": "must be a string",
    "field.must_be_integer": "must be an integer",
    "field.required_list": "required list",
    "field.required_string": "required string",
    "field.required_integer": "required integer",
    "field.required_number": "required number",
    "field.required_object": "required object",
    "field.must_be_number": "must be a number",
    "field.unknown_field": "unknown field",
    "field.not_editable": "not an editable field",
    "field.at_most_chars": "at most {max} characters",
    "field.a_string": "a string",
    "field.id_range": "an id from 1 to {max}",
    "field.between": "must be between {min} and {max}",
    # ---- the request as a whole (crowdset.http)
    "request.invalid": "the request is not valid; see errors",
    "request.json_required": "a JSON body is required",
    "request.json_invalid_at": "not valid JSON: {reason} at character {position}",
    "request.json_invalid_reason": "not valid JSON: {reason}",
    "request.not_utf8": "not valid UTF-8 (byte 0x{byte} at position {position}); JSON must be UTF-8",
    "request.json_utf16": "JSON must be UTF-8 (this looks like UTF-16 or UTF-32)",
    "json.nested_too_deeply": "nested too deeply",
    "request.at_most_bytes": "at most {limit} bytes",
    "request.body_too_large": "the request body exceeds {limit} bytes",
    "request.not_found": "Not Found",
    "request.method_not_allowed": "Method Not Allowed",
    "request.http_error": "{text}",
    "request.cursor": "not a cursor returned by this API",
    "request.limit": "must be between 1 and {max}",
    "request.utc_range": "out of range once converted to UTC",
    # ---- messages of pydantic (FastAPI's request checks, label schema controls), by pydantic's error type;
    # used only where pydantic's own English text is exactly the template (else "pydantic" with its text)
    "pydantic": "{text}",
    "pydantic.missing": "Field required",
    "pydantic.extra_forbidden": "Extra inputs are not permitted",
    "pydantic.int_type": "Input should be a valid integer",
    "pydantic.int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "pydantic.int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "pydantic.float_type": "Input should be a valid number",
    "pydantic.float_parsing": "Input should be a valid number, unable to parse string as a number",
    "pydantic.string_type": "Input should be a valid string",
    "pydantic.bool_type": "Input should be a valid boolean",
    "pydantic.bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "pydantic.list_type": "Input should be a valid list",
    "pydantic.dict_type": "Input should be a valid dictionary",
    "pydantic.model_type": "Input should be a valid dictionary or instance of {class_name}",
    "pydantic.model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "pydantic.greater_than": "Input should be greater than {gt}",
    "pydantic.greater_than_equal": "Input should be greater than or equal to {ge}",
    "pydantic.less_than": "Input should be less than {lt}",
    "pydantic.less_than_equal": "Input should be less than or equal to {le}",
    "pydantic.string_too_short": "String should have at least {min_length} characters",
    "pydantic.string_too_long": "String should have at most {max_length} characters",
    "pydantic.too_short": "List should have at least {min_length} items after validation, not {actual_length}",
    "pydantic.too_long": "List should have at most {max_length} items after validation, not {actual_length}",
    "pydantic.string_pattern_mismatch": "String should match pattern '{pattern}'",
    "pydantic.literal_error": "Input should be {expected}",
    "pydantic.enum": "Input should be {expected}",
    "pydantic.datetime_type": "Input should be a valid datetime",
    "pydantic.datetime_from_date_parsing": "Input should be a valid datetime or date, {error}",
    "pydantic.datetime_parsing": "Input should be a valid datetime, {error}",
    "pydantic.finite_number": "Input should be a finite number",
    "pydantic.json_invalid": "Invalid JSON: {error}",
    # ---- what stored text may not contain (crowdset.safetext)
    "text.lone_surrogate": "contains a lone surrogate (not a Unicode character)",
    "text.nul": "contains a NUL character",
    "text.key_problem": "the key {problem}",
    "text.not_finite": "not a finite number (JSON has no NaN or Infinity)",
    "text.nested_deeper": "nested deeper than {max} levels",
    "field.non_empty_string": "must be a non-empty string",
    "field.int_non_negative": "must be an integer >= 0",
    "field.positive_number": "must be a positive number",
    # ---- reading an import file (crowdset.formats readers; one row's problems)
    "format.json_object": "must be a JSON object",
    "format.empty": "is empty",
    "format.id_or_external_id": "give id or external_id, not both",
    "format.id_type": "must be a string or an integer",
    "format.not_boolean": "not a boolean (true/false, 1/0, yes/no)",
    "format.result_object": "must be a result object keyed by control name",
    "format.gold_required": "required when is_gold is true",
    "format.not_integer": "not an integer",
    "format.line_not_object": "each line must be a JSON object",
    "format.unknown_task_key": "unknown task key (allowed: {allowed})",
    "format.not_utf8_at": "not valid UTF-8 at byte {byte}",
    "format.invalid_json": "invalid JSON: {reason}",
    "format.invalid_json_column": "invalid JSON: {reason} (column {column})",
    "format.encoding_unsupported": "{encoding} files are not supported; save as 'CSV UTF-8'",
    "format.nul_bytes": "the file contains NUL bytes, so it is not UTF-8 or GB18030 text (UTF-16 or UTF-32?); "
                        "save as 'CSV UTF-8'",
    "format.not_text": "not a text file",
    "format.bad_text": "not valid {encoding} text (encoding chosen from the file start)",
    "format.csv_malformed": "malformed CSV: {reason}",
    "format.csv_no_header": "no header row: the file is empty",
    "format.csv_empty_column": "empty column name in the header",
    "format.csv_column_name": "the column name {problem}",
    "format.csv_duplicate_column": "duplicate column name in the header",
    "format.csv_column_count": "expected {expected} columns, found {found}",
    "format.unknown_format": "unknown format {format!r}",
    "format.cannot_tell": "cannot tell the file format; name it .jsonl, .csv, .tsv or .json",
    "format.json_not_utf8": "not valid UTF-8 ({reason})",
    "format.element_too_large": "element too large",
    "format.file_empty": "the file is empty",
    "format.extra_after_object": "extra data after the top-level object",
    "format.expected_array": "expected a JSON array of tasks or one task object",
    "format.eof_in_array": "unexpected end of file inside the array",
    "format.expected_comma": "expected ',' or ']' after element {index}, found {found}",
    "format.extra_after_array": "extra data after the array",
    "format.ls_task_not_object": "each task must be a JSON object",
    "format.ls_regions_list": "must be a list of regions",
    "format.ls_region_object": "region must be an object",
    "format.ls_malformed_region": "malformed {type} region",
    "format.ls_missing": "missing",
    "format.ls_unknown_control": "unknown control {control!r} (not in the project schema)",
    "format.ls_type_mismatch": "the region type does not fit control {control!r} of kind {kind!r}",
    "format.ls_malformed_value": "malformed {type} value ({reason})",
    "format.ls_text_not_segment": "per-region text for region {region!r}, which is not an audio segment",
    "format.ls_relation_ends": "relation without from_id/to_id",
    "format.ls_no_relations_control": "relation region but the schema has no relations control",
    # ---- the task import (crowdset.annotation.importing, import_sources, import_requests)
    "import.data_not_object": "must be a non-empty object",
    "import.missing_data_field": "missing: control {control!r} labels this field (the row has {fields} other "
                                 "fields; name a column {key!r})",
    "import.gold_answer": "a gold task carries its answer",
    "import.format_unknown": "could not tell the file's format; name it (jsonl, csv or labelstudio)",
    "import.rows_invalid": "{bad} of {total} rows are not valid; nothing was imported",
    "import.rows_invalid_listed": "{bad} of {total} rows are not valid; nothing was imported (first {listed} "
                                  "errors listed)",
    "import.no_tasks": "contains no tasks",
    "import.path_not_string": "must be a string: a path relative to your organisation's import folder",
    "import.path_length": "must be 1 to {max} characters",
    "import.path_control_chars": "must not contain control characters",
    "export.format_does_not_fit": "{format} cannot express this project's labels; fitting formats: {choices}",
    "import.path_not_relative": "must be relative to your organisation's import folder (no '/', '..', drive or URL)",
    "import.by_path_off": "importing by server path is turned off on this platform (the operator sets "
                          "CROWDSET_IMPORT_DIR); upload the file instead",
    "import.path_not_found": "no such file in your organisation's import folder",
    "import.source_gone": "the file to import is no longer in the uploads or the import folder",
    "import.filename": "at most {max} characters, no NUL",
    "import.prediction_ids_only": "{n} predictions are listed by id only (Label Studio's quick JSON export), so they "
                                  "were not imported; export a snapshot with full predictions to bring them over",
    # ---- an annotation result against the project's label schema (crowdset.annotation.label_schema)
    "result.not_object": "result must be an object keyed by control name",
    "result.object_by_control": "must be an object keyed by control name",
    "result.does_not_fit": "the result does not fit the project's label schema",
    "result.unknown_control": "unknown control",
    "result.duplicate_region_id": "duplicate region id (also {first})",
    "result.data_field_missing": "task data has no field {field!r}",
    "result.data_field_type": "task data field {field!r} has the wrong type",
    "result.not_a_label": "is not one of the control's labels",
    "result.end_after_start": "must be greater than start",
    "result.past_text_end": "{end} is past the end of the text ({length} characters)",
    "result.text_mismatch": "does not match the task text at [{start}:{end}]",
    "result.choose_one": "choose at least one option",
    "result.single_choice": "exactly one option allowed (the control is single-choice)",
    "result.not_an_option": "is not one of the control's options",
    "result.chosen_twice": "chosen twice",
    "result.no_tie": "a tie is not allowed by this control",
    "result.left_right": "must be 'left', 'right'",
    "result.left_right_tie": "must be 'left', 'right' or 'tie'",
    "result.response_id": "must be a response id (string or integer)",
    "result.ranked_twice": "ranked twice",
    "result.rank_one": "must rank at least one response",
    "result.response_without_id": "task data {field}[{index}] has no usable id",
    "result.not_a_response": "is not a response id of field {field!r}",
    "result.rank_every": "must rank every response; missing {missing}",
    "result.positive_pixels": "must be a positive number of pixels",
    "result.unit_percent": "must be 'percent' (omit it for pixels)",
    "result.image_size_needed": "needs image_width and image_height (pixels) or unit 'percent'",
    "result.rotation_degrees": "must be a number of degrees",
    "result.box_outside": "box lies outside the image ({width:g} x {height:g})",
    "result.points_required": "required list of [x, y]",
    "result.polygon_points": "a polygon needs at least 3 points",
    "result.point_xy": "must be [x, y] numbers",
    "result.point_outside": "point lies outside the image ({width:g} x {height:g})",
    "result.xy_numbers": "x and y must be numbers",
    "result.seconds_non_negative": "must be a number of seconds >= 0",
    "result.seconds": "must be a number of seconds",
    "result.no_transcription": "this control does not transcribe segments",
    "result.correct_incorrect": "must be 'correct' or 'incorrect'",
    "result.step_twice": "step {index} reviewed twice",
    "result.step_range": "the task has {steps} steps (0..{last})",
    "result.steps_missing": "one entry per step; missing steps {missing}",
    "result.span_id_required": "required span id",
    "result.span_id": "must be a span id (string)",
    "result.not_a_span": "is not a span id of {control!r} in this result",
    "result.self_relation": "a span cannot relate to itself",
    "result.min_chars": "must have at least {min} characters",
    "result.max_chars": "must have at most {max} characters",
    # ---- a label schema itself (crowdset.annotation.label_schema)
    "schema.labels_empty": "must not be empty",
    "schema.label_blank": "labels must not be blank",
    "schema.duplicate_label": "duplicate label {label!r}",
    "schema.scale_pair": "must be [min, max]",
    "schema.scale_order": "min must be less than max",
    "schema.rating_max": "max must be greater than min",
    "schema.rating_points": "a rating scale has at most 101 points",
    "schema.pairwise_distinct": "left and right must be different fields",
    "schema.length_order": "max_length must be at least min_length",
    "schema.unknown_kind": "unknown kind {kind!r}; known: {known}",
    "schema.not_object": "must be an object with a 'controls' list",
    "schema.no_controls": "must have at least one control",
    "schema.duplicate_control": "duplicate control name {name!r} (also controls[{index}])",
    "schema.no_control": "no control named {name!r}",
    "schema.not_spans": "{name!r} is a {kind} control, not spans",
    # ---- stored files (crowdset.blobs)
    "blob.sha256": "must be 64 lower-case hex characters",
    "blob.too_large": "larger than the limit of {max} bytes",
    "blob.empty": "is empty",
    "blob.media_type": "type {media} is not accepted here",
    "field.required_max_chars": "required, at most {max} characters",
    "field.int_range": "an integer from {min} to {max}",
    "field.fraction": "a number from 0 to 1",
    "field.must_be_one_of": "must be one of {choices}",
    "field.org_required": "required for users without an organisation",
    "field.taken": "already taken",
    "field.registered": "already registered",
    "os.error": "{reason}",
    # ---- Label Studio labelling configs (crowdset.annotation.labelstudio_config)
    "lsconfig.too_large": "config is larger than {max} characters",
    "lsconfig.doctype": "DOCTYPE and entity declarations are not allowed in a labelling config",
    "lsconfig.xml": "not well-formed XML: {reason}",
    "lsconfig.unsupported_tag": "unsupported Label Studio tag <{tag}>",
    "lsconfig.to_name_required": "toName is required",
    "lsconfig.to_name_one": "toName must name one object",
    "lsconfig.to_name_unknown": "toName {name!r} names no object tag",
    "lsconfig.value_ref": "value must reference a task field, like value=\"$text\"",
    "lsconfig.no_value": "<{tag}> without value",
    "lsconfig.root_view": "the root tag of a labelling config must be <View>",
    "lsconfig.name_required": "name is required",
    "lsconfig.relations_labels": "<Relations> needs a <Labels> control on a Text object",
    "lsconfig.per_region_textarea": "perRegion TextArea is supported only with <Labels> on an Audio object",
    "lsconfig.not_converted": "the Label Studio config cannot be converted",
    "lsconfig.per_region": "perRegion controls are not supported (only a per-region TextArea on Audio)",
    "lsconfig.to_name_two": "toName must name two objects, like toName=\"left,right\"",
    "lsconfig.dynamic_choices": "dynamic choices (value=\"$...\") are not supported",
    "lsconfig.choice_mode": "unknown choice mode {mode!r}",
    "lsconfig.tool_needs_labels": "<{tag}> needs a <Labels> control on the same Image (or use <{tag}Labels>)",
    "lsconfig.image_tools": "<Labels> on an Image needs exactly one Rectangle, Polygon or KeyPoint tool on it "
                            "(found {found})",
    "lsconfig.labels_on": "<Labels> on <{tag}> is not supported",
    "lsconfig.timeline_video": "<TimelineLabels> must point at a Video object",
    "lsconfig.max_rating": "maxRating must be an integer >= 2",
    "lsconfig.ranker_list": "<Ranker> must point at a List object",
    "lsconfig.ranker_buckets": "<Ranker> with <Bucket> groups is not supported (only a full ranking)",
    "lsconfig.kind_no_equivalent": "kind {kind!r} has no Label Studio equivalent",
    "lsconfig.rating_start": "Label Studio ratings start at 1",
    "lsconfig.rating_object": "a Label Studio Rating needs an object (set `to`)",
    "lsconfig.pairwise_tie": "Label Studio Pairwise has no tie",
    "lsconfig.one_relations": "Label Studio has one set of relations per config",
    "lsconfig.relations_first_spans": "Label Studio relations attach to the first spans control only",
    # ---- projects, annotation, review (crowdset.annotation)
    "project.not_found": "project {id} not found",
    "project.may_not": "you may not {action} in this project",
    "project.may_not_annotate": "you may not annotate in this project",
    "project.may_not_review": "you may not review in this project",
    "project.may_not_arbitrate": "you may not arbitrate in this project",
    "project.may_not_manage": "you may not manage in this project",
    "project.none_of_yours": "no project of yours here",
    "project.schema_invalid": "label schema is not valid",
    "project.tokenizer": "char (one token per Chinese character) or whitespace",
    "project.settings_invalid": "project settings are not valid",
    "project.schema_or_config": "give exactly one of schema or labelstudio_config",
    "project.create_forbidden": "only managers of the organisation create projects",
    "project.unknown_setting": "unknown setting",
    "project.not_editable_setting": "not an editable setting",
    "project.user_other_org": "the user belongs to another organisation",
    "project.not_member": "user {id} is not a {role} of this project",
    "project.status": "the project is {status}",
    "quality.control_choices": "one of: {choices}",
    "quality.no_measurable_control": "this project has no control whose agreement can be measured",
    "quality.wmv_needs_gold": "wmv weighs annotators by their gold accuracy; this project has no gold answers",
    "annotation.not_found": "annotation {id} not found",
    "task.not_found": "task {id} not found",
    "review.own_annotation": "you may not review your own annotation",
    "review.not_submitted": "annotation {id} is {status}; only submitted annotations are reviewed",
    "review.already_reviewed": "annotation {id} was already reviewed ({state})",
    "review.comment_required": "say why, so the annotator can learn from it",
    "review.fix_needs_result": "a fix carries the corrected result",
    "arbitration.own_task": "you may not arbitrate a task you annotated",
    "arbitration.not_waiting": "task {id} is {state}, not waiting for arbitration",
    "work.below_floor": "your accuracy on control tasks is below this project's floor; ask the manager",
    "submission.lead_time": "seconds between 0 and {max}",
    "submission.changed": "this annotation changed since you opened it (perhaps in another tab)",
    "submission.not_current": "not the current version",
    "submission.already_submitted": "this task was already submitted (perhaps in another tab); to change it, edit it",
    "submission.submitted": "already submitted",
    "submission.reviewed": "this annotation was already reviewed and can no longer be changed",
    "submission.lease_expired": "your lease expired and the task went to someone else",
    "submission.status": "this annotation is {status}",
    "submission.skip_not_leased": "only a leased task can be skipped; this one is {status}",
    "submission.draft_state": "drafts are kept for tasks in progress; this one is {status}",
    # ---- upload requests (crowdset.api)
    "upload.too_large": "the file exceeds {limit} bytes",
    "upload.multipart": "not a valid multipart/form-data body: {reason}",
    "upload.json_at_most": "at most {limit} bytes of JSON",
    "upload.not_json": "not valid JSON",
    "upload.path_body": "must be a JSON object {{\"path\": ..., \"format\": ...}}",
    "upload.unknown_field": "unknown field (allowed: path, format)",
    "upload.attach_file": "attach the file as multipart field 'file'",
    "upload.content_type": "send the file as the body (application/x-ndjson, text/csv, text/tab-separated-values, "
                           "application/octet-stream), as multipart/form-data, or application/json naming a path "
                           "in your organisation's import folder",
    # ---- accounts (crowdset.auth, crowdset.http.deps)
    "org.create_forbidden": "only administrators create organisations",
    "org.credit_code": "not a valid unified social credit code: {problem}",
    "org.invalid": "organisation is not valid",
    "org.name_taken": "an organisation named {name!r} exists",
    "org.credit_code_taken": "credit code already registered",
    "org.not_found": "organisation {id} not found",
    "org.not_found_ref": "organisation {ref!r} not found",
    "user.create_forbidden": "only administrators and managers create users",
    "user.admin_grant": "only administrators grant the admin role",
    "user.email_invalid": "{reason}",
    "user.password_length": "at least {min} characters",
    "user.roles": "each role must be one of {choices}",
    "user.invalid": "user is not valid",
    "user.email_taken": "a user with email {email} exists",
    "user.not_found": "user {id} not found",
    "user.not_found_ref": "user {ref!r} not found",
    "auth.throttled": "too many failed log-in attempts from here; try again in {seconds} s",
    "auth.wrong_password": "email or password is wrong",
    "auth.bearer_format": "use 'Authorization: Bearer <token>'",
    "auth.token_invalid": "token is invalid, expired or revoked",
    "auth.csrf": "missing or wrong CSRF token",
    "auth.required": "log in or send a bearer token",
    "auth.requires_roles": "requires one of the roles: {roles}",
    "token.only_own": "you can create tokens only for yourself",
    "token.days": "from 1 to {max} (leave it out for a token that does not expire)",
    "token.not_found": "token {id} not found",
    # ---- files, jobs, the ledger
    "blob.no_org": "files are uploaded on behalf of an organisation; this account has none",
    "blob.not_found": "file {sha256} not found",
    "job.not_found": "job {id} not found",
    "ledger.key_missing": "the ledger signing key {path} is missing although the ledger has been signed before; "
                          "restore it from backup (see docs/security.md)",
    "ledger.key_not_ed25519": "{path} does not hold an Ed25519 private key",
    "ledger.key_not_current": "the key file does not hold the keyring's current key {key}",
    # ---- datasets (crowdset.datasets)
    "dataset.not_found": "dataset {id} not found",
    "dataset.extra": "an object of further metadata fields",
    "dataset.invalid": "dataset fields are not valid",
    "dataset.new_status": "a new dataset is draft or published",
    "dataset.core_unlisted": "core data ({core}) is never listed or published (GB/T 43697-2024); it stays in draft",
    "dataset.important_listed": "important data ({important}) is listed only under the custom or pairing supply mode, "
                                "with approved access",
    "dataset.cannot_publish": "cannot publish: {problem}",
    "dataset.cannot_keep_publishing": "cannot keep publishing: {problem}",
    "dataset.manage_forbidden": "only owners and managers of the organisation manage its datasets",
    "dataset.create_forbidden": "only owners and managers of the organisation create datasets",
    "dataset.create_forbidden_any": "only owners and managers of an organisation create datasets",
    "dataset.suspend_forbidden": "only an administrator suspends a dataset or lifts a suspension",
    "dataset.strategic_forbidden": "only an administrator designates strategic datasets",
    "dataset.rereview_forbidden": "only an administrator runs re-reviews",
    "dataset.core_not_exported": "core data ({core}) is never exported; records and files of dataset {id} cannot be "
                                 "downloaded",
    "dataset.no_version": "dataset {id} has no version yet",
    "evaluation.failed": "evaluation {id} failed: {reason}",
    "evaluation.not_found": "evaluation {id} not found",
    "evaluation.not_found_in": "evaluation {id} of dataset {dataset} not found",
    "evaluation.no_report": "evaluation {id} has no report ({state})",
    "version.cannot_tell": "cannot tell the format of {filename!r}; give one of {choices}",
    "version.blob_missing": "the file {sha}… of this version is missing from the blob store",
    "version.unreadable": "{reason}",
    "version.no_records": "holds no records",
    "version.tc609_format": "a TC609 file holds one record per line with data_content (TC609-5-2025-02)",
    "version.name": "1–50 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
    "version.exists": "version {version} of this dataset already exists; versions are immutable",
    "version.identical": "this file is identical to version {version} (sha256 {sha256})",
    "version.publish_format": "jsonl or tc609",
    "version.project_other_org": "the project belongs to another organisation than the dataset",
    "version.no_tasks": "project {id} has no tasks to publish",
    "version.download_format": "tc609 (download the original file from .../file)",
    "version.not_found": "version {version} of dataset {dataset} not found",
    # ---- the command line (crowdset.cli)
    "cli.schema_or_config": "give exactly one of --schema or --labelstudio-config",
    "cli.cannot_read": "cannot read {path}: {reason}",
    "cli.metadata_mapping": "{path} must hold a mapping of fields",
    "cli.not_mapping": "not a mapping",
    "cli.now_iso": "--now must be an ISO date-time, e.g. 2027-01-01T00:00:00+00:00",
    "cli.not_iso": "not ISO 8601",
}


class Message(str):
    """A message by code: the ``str`` value is its English text; ``code`` and ``params`` let it be
    rendered in another language (``render``) or sent to a client that builds its own text."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, params: dict[str, Any] | None = None) -> Message:
        template = CATALOGUE.get(code)
        if template is None:
            raise KeyError(f"unknown message code {code!r} (add it to crowdset.messages.CATALOGUE)")
        params = dict(params or {})
        self = super().__new__(cls, _fill(template, params, ENGLISH))
        self.code, self.params = code, params
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (a job's exception) keeps the code
        return (Message, (self.code, self.params))

    def render(self, locale: str | None) -> str:
        """The text in ``locale`` (English for None or an unknown locale)."""
        return render(self.code, self.params, locale)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": params_json(self.params)}


def msg(code: str, /, **params: Any) -> Message:
    """The message ``code`` with its parameters (``KeyError`` for a code not in ``CATALOGUE``)."""
    return Message(code, params)


def text(value: str) -> Message:
    """Free text as a message of the legacy code (no translation). Only for the move to codes."""
    return value if isinstance(value, Message) else Message(LEGACY, {"text": str(value)})


def params_json(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values: nested messages become ``{"code", "params"}``, tuples lists."""
    return {k: _json_value(v) for k, v in params.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def from_json(code: str | None, params: dict[str, Any] | None, fallback: str = "") -> Message:
    """The message a stored ``code`` and ``params`` (a job result) stand for; ``fallback`` as free text
    when there is no code or it is no longer in the catalogue (a job stored before a code changed)."""
    if not code or code not in CATALOGUE:
        return text(fallback)
    try:
        return Message(code, {k: _from_json_value(v) for k, v in (params or {}).items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return text(fallback)


def _from_json_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"code", "params"} and value["code"] in CATALOGUE:
        return Message(value["code"], {k: _from_json_value(v) for k, v in (value["params"] or {}).items()})
    return value


def _separator(locale: str) -> str:
    return "、" if locale.startswith("zh") else ", "


def _param_text(value: Any, locale: str) -> Any:
    if isinstance(value, Message):
        return value.render(locale) if locale != ENGLISH else str(value)
    if isinstance(value, list | tuple):
        return _separator(locale).join(str(_param_text(v, locale)) for v in value)
    return value


class _Params(dict):  # type: ignore[type-arg]
    """A placeholder without a parameter stays as it is rather than failing the whole message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def _fill(template: str, params: dict[str, Any], locale: str) -> str:
    values = _Params({k: _param_text(v, locale) for k, v in params.items()})
    try:
        return _FORMATTER.vformat(template, (), values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):  # a bad format spec for a value
        return template


def template(code: str, locale: str | None) -> str:
    """The template of ``code`` in ``locale``: the catalogue's English, or the locale's ``errors.po``
    text (falling back to English where the locale has none yet)."""
    english = CATALOGUE[code]
    if not locale or locale == ENGLISH:
        return english
    return translations(locale).pgettext(code, english) or english


def render(code: str, params: dict[str, Any] | None, locale: str | None) -> str:
    """The message ``code`` with ``params`` in ``locale`` (unknown codes render their parameters' text)."""
    if code not in CATALOGUE:
        return str((params or {}).get("text", code))
    return _fill(template(code, locale), dict(params or {}), locale or ENGLISH)


def placeholders(template_text: str) -> set[str]:
    """The parameter names a template uses (for the catalogue's tests)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in _FORMATTER.parse(template_text) if name}


PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def from_pydantic(error: dict[str, Any]) -> Message:
    """A pydantic error (FastAPI's request checks, a control model) as a message: by its type when the
    catalogue's English template gives exactly pydantic's text, else pydantic's text as it is (a value
    error raised by our own validators is already a ``Message``)."""
    text_ = str(error.get("msg", "invalid"))
    for prefix in PYDANTIC_PREFIXES:
        text_ = text_.removeprefix(prefix)
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, Exception) and cause.args and isinstance(cause.args[0], Message):
        return cause.args[0]
    code = f"pydantic.{error.get('type')}"
    if code in CATALOGUE:
        params = {k: v if isinstance(v, int | float | bool) or v is None else str(v) for k, v in ctx.items()}
        candidate = Message(code, params)
        if str(candidate) == text_:
            return candidate
    return Message("pydantic", {"text": text_})
