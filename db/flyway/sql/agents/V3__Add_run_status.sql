ALTER TABLE agent_runs ADD COLUMN status TEXT NOT NULL DEFAULT 'running';
