"""Error and validation messages by code (crowdset.messages): every code has an English and a Chinese
text with the same placeholders, every code the source uses is in the catalogue, and no error is
raised with free text any more (the legacy code ``text``)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from crowdset.errors import FieldError, Invalid, invalid
from crowdset.messages import CATALOGUE, LEGACY, Message, from_json, from_pydantic, msg, placeholders, render

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "crowdset"
LOCALES = SRC / "locales"

# Files that build codes from data (a problem's title from its type), checked by their own tests.
DYNAMIC_CODES = {"crowdset/errors.py", "crowdset/http/problems.py"}


def _po(locale: str) -> dict[str, tuple[str, str]]:
    with (LOCALES / locale / "LC_MESSAGES" / "errors.po").open("rb") as fh:
        return {m.context: (m.id, m.string) for m in read_po(fh, locale=locale) if m.id and m.context}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_code_has_a_text_in_each_language_with_the_same_placeholders(locale):
    po = _po(locale)
    problems = []
    for code, english in CATALOGUE.items():
        entry = po.get(code)
        if entry is None:
            problems.append(f"{code}: not in {locale}/errors.po (run scripts/i18n.py)")
            continue
        msgid, translated = entry
        if msgid != english:
            problems.append(f"{code}: errors.po has the English {msgid!r}, the catalogue {english!r}")
        elif not translated.strip():
            problems.append(f"{code}: no {locale} text")
        elif placeholders(translated) != placeholders(english):
            problems.append(f"{code}: placeholders {sorted(placeholders(translated))} in {locale}, "
                            f"{sorted(placeholders(english))} in English")
    problems += [f"{code}: in errors.po but not in the catalogue" for code in set(po) - set(CATALOGUE)]
    assert not problems, "\n".join(problems)


def test_codes_are_dotted_names():
    for code in CATALOGUE:
        assert code == LEGACY or all(part and part.replace("_", "").replace("-", "").isalnum()
                                     for part in code.split(".")), code


def test_messages_render_in_each_language_and_keep_library_text():
    m = msg("field.one_of", choices=["jsonl", "csv"])
    assert m == "one of jsonl, csv" and m.code == "field.one_of" and m.params == {"choices": ["jsonl", "csv"]}
    assert m.render("zh_CN") == "须为以下之一：jsonl、csv"
    reason = "Expecting ',' delimiter"
    assert render("request.json_invalid_reason", {"reason": reason}, "zh_CN") == f"不是有效的 JSON：{reason}"
    assert render("format.invalid_json_column", {"reason": reason, "column": 3}, "zh_CN") == \
        f"无效的 JSON：{reason}（第 3 列）"
    nested = msg("error.field", field="format", message=m)
    assert nested == "format: one of jsonl, csv"
    assert nested.render("zh_CN") == "format：须为以下之一：jsonl、csv"
    stored = json.loads(json.dumps(nested.to_json()))
    assert from_json(stored["code"], stored["params"]).render("zh_CN") == nested.render("zh_CN")
    assert from_json("no.such.code", {}, "as it was") == "as it was"


def test_errors_carry_code_and_params_and_stay_english_text():
    exc = invalid("format", "field.one_of", choices=["jsonl", "csv"])
    assert exc.detail == "format: one of jsonl, csv" and exc.code == "error.field"
    assert exc.errors[0].as_dict() == {"field": "format", "message": "one of jsonl, csv", "code": "field.one_of",
                                       "params": {"choices": ["jsonl", "csv"]}}
    assert exc.errors[0].as_dict("zh_CN")["message"] == "须为以下之一：jsonl、csv"
    assert str(Invalid(msg("request.invalid"), [FieldError("x", msg("field.required"), 3)])) == \
        "the request is not valid; see errors\n  row 3: x: required"


def test_pydantic_messages_by_type_only_when_the_english_is_the_same():
    m = from_pydantic({"type": "missing", "msg": "Field required"})
    assert m.code == "pydantic.missing" and m.render("zh_CN") == "必填字段"
    m = from_pydantic({"type": "less_than_equal", "msg": "Input should be less than or equal to 5", "ctx": {"le": 5}})
    assert m.code == "pydantic.less_than_equal" and "5" in m.render("zh_CN")
    m = from_pydantic({"type": "missing", "msg": "something pydantic says differently"})
    assert m.code == "pydantic" and m == "something pydantic says differently"
    m = from_pydantic({"type": "value_error", "msg": "Value error, x",
                       "ctx": {"error": ValueError(msg("field.required"))}})
    assert m.code == "field.required"


# ------------------------------------------------------------------------------------------------
# The source: codes in the catalogue, no free text left


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    names = {"FieldError", "CrowdsetError"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        isinstance(b, ast.Name) and b.id in names - {"FieldError"} for b in node.bases):
                    names.add(node.name)
                    grew = True
    return names


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _is_free_text(node: ast.AST | None) -> bool:
    """Text written in place (a literal, an f-string, a concatenation, ``str(...)``) rather than a code."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_free_text(node.left) or _is_free_text(node.right) or isinstance(node.op, ast.Mod)
    if isinstance(node, ast.IfExp):
        return _is_free_text(node.body) or _is_free_text(node.orelse)
    if isinstance(node, ast.Call):
        return _callee(node) in ("str", "repr", "format", "join", "text")
    return False


def _arg(node: ast.Call, index: int, keyword: str) -> ast.AST | None:
    if len(node.args) > index:
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg == keyword), None)


ROW_ERROR_PACKAGES = ("crowdset/formats/", "crowdset/annotation/label_schema/",
                      "crowdset/annotation/labelstudio_config")


def _row_error_tuples(node: ast.AST) -> list[ast.Tuple]:
    """(path, message) pairs a reader or a schema check reports: in an ``append``/``extend``, a
    ``ParsedRow``/``SchemaError`` argument, or a ``yield``."""
    found: list[ast.Tuple] = []
    roots: list[ast.AST] = []
    if isinstance(node, ast.Call) and _callee(node) in ("append", "extend", "ParsedRow", "SchemaError"):
        roots = [*node.args, *(k.value for k in node.keywords)]
    elif isinstance(node, ast.Yield) and node.value is not None or isinstance(node, ast.Return) and isinstance(
            node.value, ast.List):
        roots = [node.value]
    for root in roots:
        items = root.elts if isinstance(root, ast.List) else [root]
        found += [t for t in items if isinstance(t, ast.Tuple) and len(t.elts) == 2]
    return found


def _is_validator(node: ast.FunctionDef) -> bool:
    """A pydantic validator of a control model (its ValueError is a user's message), not a check of
    the program's own invariants."""
    return node.name.startswith("_check") or any(
        isinstance(d, ast.Call) and _callee(d).endswith("_validator") for d in node.decorator_list)


def _source_trees() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(SRC.rglob("*.py"))}


def _scan() -> tuple[list[str], list[str]]:
    trees = _source_trees()
    errors = _error_classes(trees)
    unknown, legacy = [], []
    for path, tree in trees.items():
        rel = str(path.relative_to(SRC.parent))
        if path.name == "messages.py":
            continue
        from_messages = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                         and node.module == "crowdset.messages" for a in node.names}
        row_errors = rel.startswith(ROW_ERROR_PACKAGES)
        for node in ast.walk(tree):
            if row_errors:
                for pair in _row_error_tuples(node):
                    if _is_free_text(pair.elts[1]):
                        legacy.append(f"{rel}:{pair.lineno}: (path, free text) reported")
                if isinstance(node, ast.FunctionDef) and _is_validator(node):
                    legacy += [f"{rel}:{call.lineno}: ValueError(free text) in a schema check"
                               for call in ast.walk(node)
                               if isinstance(call, ast.Call) and _callee(call) == "ValueError"
                               and _is_free_text(_arg(call, 0, ""))]
            if not isinstance(node, ast.Call):
                continue
            name, where = _callee(node), f"{rel}:{node.lineno}"
            codes: list[ast.AST | None] = []
            if name in ("msg", "Message"):
                codes.append(_arg(node, 0, "code"))
            elif name == "invalid":
                code = _arg(node, 1, "code")
                if isinstance(code, ast.Constant) and isinstance(code.value, str) and "." in code.value \
                        and " " not in code.value:
                    codes.append(code)
                elif _is_free_text(code):
                    legacy.append(f"{where}: invalid(...) with free text")
                if _is_free_text(_arg(node, 2, "detail")):
                    legacy.append(f"{where}: invalid(...) with a free-text detail")
            elif name == "FieldError":
                if _is_free_text(_arg(node, 1, "message")):
                    legacy.append(f"{where}: FieldError(...) with free text")
            elif name in errors:
                if _is_free_text(_arg(node, 0, "detail")):
                    legacy.append(f"{where}: {name}(...) with free text")
            elif name == "error" and isinstance(node.func, ast.Attribute) and _is_free_text(_arg(node, 1, "message")):
                legacy.append(f"{where}: ctx.error(...) with free text")  # label schema result checks
            elif name == "text" and isinstance(node.func, ast.Name) and "text" in from_messages \
                    and rel != "crowdset/errors.py":
                legacy.append(f"{where}: text(...) (the legacy code)")
            for code in codes:
                if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
                    if rel not in DYNAMIC_CODES:
                        unknown.append(f"{where}: {name}(...) with a code that is not a literal")
                elif code.value not in CATALOGUE:
                    unknown.append(f"{where}: {code.value!r} is not in crowdset.messages.CATALOGUE")
                elif code.value == LEGACY:
                    legacy.append(f"{where}: the legacy code")
    return unknown, legacy


def test_every_code_in_the_source_is_in_the_catalogue():
    unknown, _legacy = _scan()
    assert not unknown, "\n".join(unknown)


def test_no_error_is_raised_with_free_text():
    _unknown, legacy = _scan()
    assert not legacy, "\n".join(legacy)


def test_a_message_is_its_english_text():
    assert isinstance(msg("field.required"), str) and isinstance(msg("field.required"), Message)
    assert ("data", msg("field.required")) == ("data", "required")


# ------------------------------------------------------------------------------------------------
# The API: English unless the request asks for Chinese; code and params always


def test_api_problems_speak_the_language_the_request_asks_for(world):
    url = "/api/v1/projects?cursor=not-a-cursor"
    english = world.client.get(url, headers=world.h("manager")).json()
    assert english["detail"] == "cursor: not a cursor returned by this API" and english["title"] == "Invalid input"
    assert english["code"] == "error.field" and english["params"]["field"] == "cursor"
    assert english["errors"] == [{"field": "cursor", "message": "not a cursor returned by this API",
                                  "code": "request.cursor", "params": {}}]
    for asked in ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, {"Cookie": "crowdset_lang=zh_CN"}):
        chinese = world.client.get(url, headers={**world.h("manager"), **asked}).json()
        assert chinese["detail"] == "cursor：不是本 API 返回的游标" and chinese["title"] == "输入无效", chinese
        assert chinese["errors"][0]["message"] == "不是本 API 返回的游标"
        assert chinese["errors"][0]["code"] == "request.cursor" and chinese["code"] == english["code"]
    pydantic = world.client.get("/api/v1/projects?limit=x", headers={**world.h("manager"), "Accept-Language": "zh"})
    error = pydantic.json()["errors"][0]
    assert error["field"] == "limit" and error["code"].startswith("pydantic"), error
    assert world.client.get("/api/v1/nowhere", headers={"Accept-Language": "zh"}).json()["detail"] == "未找到"


def test_a_failed_import_is_read_in_the_readers_language(world):
    from tests.annotation.helpers import make_project

    pid = make_project(world)
    body = '{"data": {"text": "好"}}\n{"data": {"text": "坏"} "x": 1}\n{"other": 1}\n'.encode()
    r = world.client.post(f"/api/v1/projects/{pid}/imports", content=body,
                          headers={**world.h("manager"), "content-type": "application/x-ndjson"})
    assert r.status_code == 202, r.text
    url = f"/api/v1/jobs/{r.json()['id']}?wait=10"
    english = world.client.get(url, headers=world.h("manager")).json()
    assert english["state"] == "failed" and english["message"] == "2 of 3 rows are not valid; nothing was imported"
    result = english["result"]
    assert result["code"] == "import.rows_invalid" and result["params"] == {"bad": 2, "total": 3}
    assert [(e["row"], e["code"]) for e in result["errors"]] == [(2, "format.invalid_json_column"),
                                                                (3, "import.missing_data_field")]
    assert result["errors"][0]["message"].startswith("invalid JSON: Expecting ',' delimiter (column ")
    chinese = world.client.get(url, headers={**world.h("manager"), "Accept-Language": "zh-CN"}).json()
    assert chinese["message"] == chinese["result"]["detail"] == "3 行中有 2 行无效；未导入任何内容"
    assert chinese["error"] == chinese["message"]
    assert chinese["result"]["errors"][0]["message"].startswith("无效的 JSON：Expecting ',' delimiter（第 ")
    assert chinese["result"]["errors"][1]["message"].startswith("缺失：控件“sentiment”标注此字段")
    assert [e["code"] for e in chinese["result"]["errors"]] == [e["code"] for e in result["errors"]]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_command_line_prints_english_unless_crowdset_lang_says_chinese(backend):
    from tests.support import run_cli

    english = run_cli("org", "create", "坏码公司", "--kind", "nowhere",
                      env={"CROWDSET_LANG": None, "LANG": "zh_CN.UTF-8"})
    assert english.returncode == 1 and "organisation is not valid" in english.stderr, english.stderr
    assert "kind: must be one of" in english.stderr
    chinese = run_cli("org", "create", "坏码公司", "--kind", "nowhere", env={"CROWDSET_LANG": "zh_CN"})
    assert chinese.returncode == 1 and "机构信息无效" in chinese.stderr and "kind: 须为以下之一：" in chinese.stderr, \
        chinese.stderr
