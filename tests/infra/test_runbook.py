"""Every alarm the production stack deploys has an entry in the runbook (docs/operations.md, issue 18 item 6).

An operator paged by an alarm looks its name up in the runbook's table: the alarm's CloudWatch name holds its logical
id, which is the construct path (without `Resource`) plus 8 hex digits and so ends with the alarm's construct id. The
table's first column names the construct ids, exactly or through a pattern, whose notation this module defines:
- `<Type>` is any sync type's title (`Authorization`, `Orders`, ...: `SyncType.title`), `<Table>` any table's
  (`Connections`, `OauthStates`, ...);
- `<A|B|C>` is one of the listed words;
- `…Word` after other names of the same cell stands for each of them with its last CamelCase word replaced by `Word`
  (`NotificationsErrors` / `…Throttles`);
- text in parentheses is commentary (`ServerErrorsAlarm` (OAuth, `ConnectServerErrors`): the metric is no alarm).
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch

from infra.config import SYNC_TYPES
from infra.constructs.resources import unique_id
from infra.names import Table, camel
from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
HEADING = "## Runbook: one entry per alarm"
CODE = re.compile(r"`([^`]+)`")
COMMENT = re.compile(r"\s*\([^()]*\)")
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
PLACEHOLDER = re.compile(r"<([^<>]+)>")
LAST_WORD = re.compile(r"[A-Z][a-z0-9]*$")


@dataclass(frozen=True)
class Entry:
    """One name (or pattern) of the runbook's first column, with the row it stands in."""

    name: str
    row: int


def runbook_names(text: str) -> list[Entry]:
    """The names the runbook's table gives in its first column, `…` continuations expanded."""
    section = text.split(HEADING, 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # past the header and its rule
    entries: list[Entry] = []
    for number, row in enumerate(rows, start=1):
        cell = CELL_SEPARATOR.split(row)[1]
        names: list[str] = []
        for name in CODE.findall(COMMENT.sub("", cell)):
            name = name.replace("\\|", "|")
            if name.startswith("…"):
                names += [LAST_WORD.sub(name[1:], earlier) for earlier in names]
            else:
                names.append(name)
        entries += [Entry(name, number) for name in dict.fromkeys(names)]
    return entries


# What each named placeholder of the runbook may stand for in the production stack.
WORDS = {"Type": [entry.title for entry in SYNC_TYPES], "Table": [camel(table.value) for table in Table]}


def pattern(name: str, words: dict[str, list[str]]) -> re.Pattern[str]:
    """A runbook name as a regular expression over construct ids."""
    parts: list[str] = []
    position = 0
    for found in PLACEHOLDER.finditer(name):
        parts.append(re.escape(name[position : found.start()]))
        inner = found.group(1)
        choices = words[inner] if inner in words else inner.split("|")
        assert all(re.fullmatch(r"[A-Za-z0-9]+", c) for c in choices), f"unknown placeholder <{inner}> in {name}"
        parts.append("(?:" + "|".join(map(re.escape, choices)) + ")")
        position = found.end()
    parts.append(re.escape(name[position:]))
    return re.compile("".join(parts))


def undocumented(alarm_ids: list[str], entries: list[Entry], words: dict[str, list[str]]) -> list[str]:
    """The alarms (construct ids) no runbook name matches."""
    patterns = [pattern(entry.name, words) for entry in entries]
    return [a for a in alarm_ids if not any(p.fullmatch(a) for p in patterns)]


@dataclass(frozen=True)
class Alarm:
    construct_id: str
    logical_id: str
    path: tuple[str, ...]


def alarms_of(stack: Stack) -> list[Alarm]:
    """Every alarm of the stack: the construct id the runbook names, its logical id and its construct path."""
    found = []
    for node in stack.node.find_all():
        if isinstance(node, cloudwatch.CfnAlarm):
            scope = node.node.scope
            assert scope is not None
            path = tuple(node.node.path.split("/")[1:])  # below the stack
            found.append(Alarm(scope.node.id, str(stack.resolve(node.logical_id)), path))
    return found


@pytest.fixture(scope="module")
def alarms(production: Synthesized) -> list[Alarm]:
    found = alarms_of(production.stack)
    # The tree's alarms are the template's: none is missed by reading the construct tree.
    assert sorted(a.logical_id for a in found) == sorted(production.of_type("AWS::CloudWatch::Alarm"))
    return found


def test_every_alarm_logical_id_ends_with_its_construct_id(alarms: list[Alarm]) -> None:
    # What the runbook tells the operator: the alarm's name (from its logical id) ends with the construct id + 8 hex.
    for alarm in alarms:
        assert alarm.logical_id == unique_id(*alarm.path)
        assert re.fullmatch(rf".*{re.escape(alarm.construct_id)}[0-9A-F]{{8}}", alarm.logical_id), alarm


@pytest.fixture(scope="module")
def listings_alarms(sample: Synthesized) -> list[Alarm]:
    """The listings notifications' alarms: built only when the context names their partner event source, as the
    sample's does (production's cdk.json does not)."""
    found = [a for a in alarms_of(sample.stack) if a.path[0] == "CatalogNotifications"]
    assert len(found) == 5  # errors, throttles, the queue's DLQ, the rule's DLQ, the schedule's DLQ
    return found


def test_every_alarm_of_the_production_template_has_a_runbook_entry(
    alarms: list[Alarm], listings_alarms: list[Alarm]
) -> None:
    entries = runbook_names(RUNBOOK.read_text(encoding="utf-8"))
    missing = undocumented([a.construct_id for a in (*alarms, *listings_alarms)], entries, WORDS)
    assert missing == [], f"alarms without an entry in {HEADING!r} of docs/operations.md: {missing}"


def test_every_runbook_name_is_an_alarm_of_the_production_template(
    alarms: list[Alarm], listings_alarms: list[Alarm]
) -> None:
    ids = [a.construct_id for a in (*alarms, *listings_alarms)]
    entries = runbook_names(RUNBOOK.read_text(encoding="utf-8"))
    stale = [e for e in entries if not any(map(pattern(e.name, WORDS).fullmatch, ids))]
    assert stale == [], f"runbook names that match no alarm of the production template: {stale}"


def test_a_removed_entry_is_reported(alarms: list[Alarm]) -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    ids = [a.construct_id for a in alarms]
    before = set(undocumented(ids, runbook_names(text), WORDS))
    for removed in ("`ShipmentsRejected`", "`<Table>TableThrottles`", "`ServerErrorsAlarm`"):
        (row,) = [line for line in text.splitlines() if line.startswith(f"| {removed}") or f"</a>{removed}" in line]
        missing = set(undocumented(ids, runbook_names(text.replace(row + "\n", "")), WORDS)) - before
        assert missing, removed
        assert all(pattern(removed.strip("`"), WORDS).fullmatch(m) for m in missing)


def test_the_notation() -> None:
    text = f"""{HEADING}
| alarm | fires when | what to do |
|---|---|---|
| <a id="x"></a>`OneAlarm` (OAuth, `SomeMetric`) | a | b |
| `A<Left\\|Right>Errors` / `…Throttles` | a | b |
| `<Type>Dlq`, `OtherErrors` / `…Age` | a | b |

## Next
| `NotAnEntry` | a | b |
"""
    entries = runbook_names(text)
    assert [e.name for e in entries] == [
        "OneAlarm",
        "A<Left|Right>Errors",
        "A<Left|Right>Throttles",
        "<Type>Dlq",
        "OtherErrors",
        "<Type>Age",
        "OtherAge",
    ]
    words = {"Type": ["Orders", "Inventory"]}
    ids = ["OneAlarm", "ALeftErrors", "ARightThrottles", "InventoryDlq", "OrdersAge", "SomeMetric", "NotAnEntry"]
    assert undocumented(ids, entries, words) == ["SomeMetric", "NotAnEntry"]
    with pytest.raises(AssertionError, match="unknown placeholder"):
        pattern("<Some thing>Errors", words)
