CREATE INDEX agent_runs_agent_id_idx ON agent_runs (agent_id, started_at DESC);
