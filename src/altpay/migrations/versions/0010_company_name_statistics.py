"""PostgreSQL: a larger statistics sample for the folded company name.

The planner estimates how many names a company-name substring matches from the column's
statistics (LIKE applied to the sampled values). With the default sample (30,000 rows) a
word in 0.1% of 200,000 names was estimated well enough in one ANALYZE and not in the next,
and the filter's first page flipped between the trigram index and a walk of half the
account (issue 11). A sample of 300,000 rows holds every name of such an account.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE customers ALTER COLUMN name_folded SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE customers ALTER COLUMN name_folded SET STATISTICS -1")
