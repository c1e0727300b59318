DROP TABLE coordination_revisions;
DROP FUNCTION coordination_revisions_notify();
DROP FUNCTION coordination_revisions_append_only();
DROP TABLE coordination_entries;
DROP TABLE coordination_document_editors;
DROP TABLE coordination_documents;
