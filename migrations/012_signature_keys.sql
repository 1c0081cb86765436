-- Fingerprints that answer for a signature besides its own. A failure's fingerprint holds the
-- miner's cluster id; when the miner merges two events, or a newer miner re-mines the store,
-- the same failure gets a new fingerprint, and this table keeps it on the signature (and so the
-- incidents, resolutions and policy history) it already had.
create table signature_keys (
  fingerprint  text primary key,
  signature_id bigint not null references signatures (id)
);
create index signature_keys_signature_idx on signature_keys (signature_id);
