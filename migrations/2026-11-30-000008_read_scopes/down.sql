UPDATE service_clients SET scopes = array_remove(array_remove(scopes, 'agreements:read'), 'contacts:read');
ALTER TABLE service_clients DROP CONSTRAINT service_clients_scopes_check;
ALTER TABLE service_clients ADD CONSTRAINT service_clients_scopes_check
    CHECK (scopes <@ ARRAY['indicators:read', 'directory:read', 'webhooks:manage']::text[]);
