CREATE OR REPLACE VIEW open_invoices AS
  SELECT id, account_id, amount_cents FROM invoices WHERE status = 'open';
