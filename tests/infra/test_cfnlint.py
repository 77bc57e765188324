"""cfn-lint on the synthesized templates: CloudFormation would accept them, and nothing but noted style remains."""

import json

import pytest
from cfnlint.api import lint_all

from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra
# Findings accepted, each for a reason; any other finding (error, warning or informational) fails.
ACCEPTED = {
    # CDK renders ARNs and the dashboard body with Fn::Join; equivalent to Fn::Sub, a style preference only.
    "I1022",
    # Asks for Metadata.com.aws.cloudformation.Context blocks, a description format for tools we do not use.
    "I4010",
    # CDK lists the role in a function's DependsOn besides its GetAtt; redundant, and it changes nothing.
    "W3005",
}


def test_cfn_lint_finds_nothing_but_accepted_style_notes(synthesized: Synthesized) -> None:
    matches = lint_all(json.dumps(synthesized.json))
    unexpected = [
        f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches if m.rule.id not in ACCEPTED
    ]
    assert unexpected == []
