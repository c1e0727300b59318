-- Service clients of an organisation read agreements and contacts as its members may.
ALTER TABLE service_clients DROP CONSTRAINT service_clients_scopes_check;
ALTER TABLE service_clients ADD CONSTRAINT service_clients_scopes_check
    CHECK (scopes <@ ARRAY['indicators:read', 'directory:read', 'webhooks:manage',
                           'agreements:read', 'contacts:read']::text[]);
