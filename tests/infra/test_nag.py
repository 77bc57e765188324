"""cdk-nag (AWS Solutions): no unacknowledged finding, and every acknowledgment is narrow and says why.

cdk-nag 3 is a CDK policy-validation plugin: a finding fails the synthesis itself (the fixtures would not exist).
These tests run the pack again on the built stack, to report findings by name, and audit the acknowledgments.
"""

import re

import pytest
from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra
# Every rule the stack acknowledges; a new one must be added here on purpose.
ACKNOWLEDGED_RULES = {
    "AwsSolutions-SMG4",
    "AwsSolutions-L1",
    "AwsSolutions-SQS3",
    "AwsSolutions-IAM5",
    "AwsSolutions-APIG4",
}
PREFIX = re.compile(r"^annotation::", re.IGNORECASE)
RULE_ID = re.compile(r"^(AwsSolutions-[A-Z]+\d+)(\[.+\])?$")


def _acknowledgments(construct: IConstruct) -> dict[str, str]:
    acknowledged: dict[str, str] = {}
    for entry in construct.node.metadata:
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
            # CDK prefixes the ids it stores ("Annotation::<id>"); cdk-nag strips the prefix the same way.
            acknowledged.update({PREFIX.sub("", k): v for k, v in dict(entry.data).items()})
    return acknowledged


def test_no_unacknowledged_error_or_warning(synthesized: Synthesized) -> None:
    report = AwsSolutionsChecks().validate_scope(synthesized.stack)
    findings = {v.rule_name: [r.construct_path for r in v.violating_resources] for v in report.violations or []}
    assert findings == {}


def test_acknowledgments_are_never_stack_wide(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    assert _acknowledgments(stack) == {}
    assert stack.node.scope is not None and _acknowledgments(stack.node.scope) == {}


def test_every_acknowledgment_names_a_known_rule_and_gives_a_real_reason(synthesized: Synthesized) -> None:
    found = {
        rule: reason
        for construct in synthesized.stack.node.find_all()
        for rule, reason in _acknowledgments(construct).items()
    }
    for rule, reason in found.items():
        match = RULE_ID.match(rule)
        assert match, rule
        assert match.group(1) in ACKNOWLEDGED_RULES, rule
        assert len(reason.split()) >= 12, (rule, reason)


def test_acknowledgments_are_written_to_the_template_as_an_audit_trail(production: Synthesized) -> None:
    secret = production.resources[production.output_ref("LwaSecretArn")]
    (rule,) = secret["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert rule["id"] == "AwsSolutions-SMG4"
