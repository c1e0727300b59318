-- Coordination documents and their entries may be about an event series, and an entry may be
-- held at a venue. Any organisation may refer to a published series or a venue, so a
-- reference does not stop its owner deleting it: it becomes null (the document's revisions
-- keep what it was).
ALTER TABLE coordination_documents
    ADD COLUMN event_series_id uuid CONSTRAINT coordination_documents_event_series_id_fkey
        REFERENCES event_series (id) ON DELETE SET NULL,
    ADD CONSTRAINT coordination_documents_one_scope CHECK (agreement_id IS NULL OR event_series_id IS NULL);
CREATE INDEX coordination_documents_event_series ON coordination_documents (event_series_id)
    WHERE event_series_id IS NOT NULL;

ALTER TABLE coordination_entries
    ADD COLUMN event_series_id uuid CONSTRAINT coordination_entries_event_series_id_fkey
        REFERENCES event_series (id) ON DELETE SET NULL,
    ADD COLUMN venue_id uuid CONSTRAINT coordination_entries_venue_id_fkey REFERENCES venues (id) ON DELETE SET NULL;
CREATE INDEX coordination_entries_event_series ON coordination_entries (event_series_id) WHERE event_series_id IS NOT NULL;
CREATE INDEX coordination_entries_venue ON coordination_entries (venue_id) WHERE venue_id IS NOT NULL;
