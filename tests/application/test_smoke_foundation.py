"""The smallest round trip: a policy issued through the application is read back from PostgreSQL."""

from decimal import Decimal

from application.app import PolicyTrail
from domain.policy import Policy
from tests import factories


def test_issue_and_read_back(app, actor, settings, database, clock):
    command = factories.issue_policy()
    result = app.execute(command, actor)
    assert result.positions and not result.duplicate
    # a second application on the same schemas: what it reads came from the database
    with_fresh_state = PolicyTrail(settings=settings, database=database, clock=clock)
    try:
        policy = with_fresh_state.get(Policy, Policy.id_for(command.number))
    finally:
        with_fresh_state.close()
    facts = policy.facts
    assert facts.number == command.number
    scalars = ("channel", "product_type", "product_name", "payment_mode", "payment_period_years")
    scalars += ("payment_frequency", "holder_type", "agent_code", "branch", "underwritten_on")
    assert {name: getattr(facts, name) for name in scalars} == {
        name: getattr(command, name) for name in scalars
    }
    assert facts.premium == Decimal(command.premium)
    assert (facts.term.value, facts.term.unit) == (command.term_value, command.term_unit)
    assert facts.policyholder is not None and command.policyholder is not None
    assert (facts.policyholder.name, facts.policyholder.id_number) == (
        command.policyholder.name,
        command.policyholder.id_number,
    )
    assert facts.insured.id_number == command.insured.id_number
