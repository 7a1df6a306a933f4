CREATE TABLE invoices (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL,
  amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
  issued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
