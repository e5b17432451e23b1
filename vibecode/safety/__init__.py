"""Kid safety for what children type and what the model says.

- :func:`check_idea` — before generation: fine, harmful, adult, unkind, a teacher's blocked
  topic, or personal information (allowed, with a gentle warning).
- :func:`clean_output` / :func:`clean_program` — before showing model text or a generated
  program: rude words (however disguised) are replaced.
- :func:`load_rules` — the teacher's per-class TOML file (extra blocked/allowed words and
  topics, the flagged-ideas log), validated with plain-word errors.

All of it is a rule layer that holds with no model at all.
"""

from vibecode.safety.ideas import IdeaCheck, check_idea, warm_up
from vibecode.safety.output import Cleaned, clean_output, clean_program
from vibecode.safety.rules import (
    EXAMPLE,
    Problem,
    RulesError,
    SafetyRules,
    active_rules,
    default_rules_path,
    load_rules,
    parse_rules,
)

__all__ = [
    "EXAMPLE",
    "Cleaned",
    "IdeaCheck",
    "Problem",
    "RulesError",
    "SafetyRules",
    "active_rules",
    "check_idea",
    "clean_output",
    "clean_program",
    "default_rules_path",
    "load_rules",
    "parse_rules",
    "warm_up",
]
