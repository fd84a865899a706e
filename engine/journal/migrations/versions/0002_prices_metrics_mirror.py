"""Price cache, performance snapshots and the mirror columns of trades.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("paper_trades") as batch:
        batch.add_column(sa.Column("mirror_ticket", sa.String(64), nullable=True))
        batch.add_column(sa.Column("mirror_state", sa.String(32), nullable=True))
    op.create_table(
        "price_cache",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("open", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("close", sa.Float(), nullable=True),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("bid", sa.Float(), nullable=True),
        sa.Column("ask", sa.Float(), nullable=True),
        sa.UniqueConstraint("symbol", "timeframe", "source", "time", name="uq_price_cache_key"),
    )
    op.create_index("ix_price_cache_lookup", "price_cache", ["symbol", "timeframe", "time"])
    op.create_table(
        "performance_metrics",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_performance_metrics_account_id", "performance_metrics", ["account_id"])
    op.create_index("ix_performance_metrics_time", "performance_metrics", ["time"])


def downgrade() -> None:
    op.drop_table("performance_metrics")
    op.drop_table("price_cache")
    with op.batch_alter_table("paper_trades") as batch:
        batch.drop_column("mirror_state")
        batch.drop_column("mirror_ticket")
