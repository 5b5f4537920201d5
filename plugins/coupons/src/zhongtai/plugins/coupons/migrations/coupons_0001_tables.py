"""Coupons: templates with budget counters, coupons, the ledger, bulk jobs, the redemption throttle.

Revision ID: coupons_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "coupons_0001"
down_revision = None
branch_labels = ("coupons",)
depends_on = "core_0001"

_id64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "zt_coupon_template",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("min_spend", sa.String(40), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("free_sku", sa.String(200), nullable=True),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("stacking_group", sa.String(64), nullable=False),
        sa.Column("max_issued", sa.BigInteger(), nullable=True),
        sa.Column("max_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("per_user_limit", sa.Integer(), nullable=True),
        sa.Column("skus", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("spent_minor", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("business", "name", name="uq_coupon_template_business_name"),
    )
    op.create_table(
        "zt_coupon",
        sa.Column("id", _id64, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("request_id", sa.String(200), nullable=True),
        sa.Column("job_id", sa.String(40), nullable=True),
        sa.Column("order_id", sa.String(200), nullable=True),
        sa.Column("reserved_until", sa.DateTime(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("code", name="uq_coupon_code"),
    )
    op.create_index("ix_coupon_wallet", "zt_coupon", ["business", "user_id", "id"])
    op.create_index("ix_coupon_template_user", "zt_coupon", ["template_id", "user_id"])
    for name, columns, unique, condition in (
        ("uq_coupon_request", ["business", "request_id"], True, "request_id IS NOT NULL"),
        ("ix_coupon_order", ["order_id"], False, "order_id IS NOT NULL"),
        ("ix_coupon_job", ["job_id", "id"], False, "job_id IS NOT NULL"),
        ("ix_coupon_reserved", ["reserved_until"], False, "state = 'reserved'"),
    ):
        where = sa.text(condition)
        op.create_index(name, "zt_coupon", columns, unique=unique, postgresql_where=where, sqlite_where=where)
    op.create_table(
        "zt_coupon_ledger",
        sa.Column("id", _id64, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("coupon_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("order_id", sa.String(200), nullable=True),
        sa.Column("job_id", sa.String(40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_coupon_ledger_template", "zt_coupon_ledger", ["template_id", "event"])
    op.create_table(
        "zt_coupon_job",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("business", sa.String(128), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("skipped", sa.BigInteger(), nullable=False),
        sa.Column("notify", sa.JSON(), nullable=True),
        sa.Column("notified_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "zt_coupon_attempt",
        sa.Column("business", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.DateTime(), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in ("zt_coupon_attempt", "zt_coupon_job", "zt_coupon_ledger", "zt_coupon", "zt_coupon_template"):
        op.drop_table(table)
