CREATE INDEX invoices_by_account ON invoices (account_id);
