// @generated automatically by Diesel CLI.

diesel::table! {
    agreement_acknowledgements (id) {
        id -> Uuid,
        agreement_id -> Uuid,
        version -> Int4,
        user_id -> Nullable<Uuid>,
        person_name -> Nullable<Text>,
        organization_id -> Nullable<Uuid>,
        acknowledged_on -> Date,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        contact_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    agreement_parties (agreement_id, organization_id) {
        agreement_id -> Uuid,
        organization_id -> Uuid,
        position -> Int4,
        roles -> Array<Nullable<Text>>,
        must_sign -> Bool,
        contact_ids -> Array<Nullable<Uuid>>,
    }
}

diesel::table! {
    agreement_reviews (id) {
        id -> Uuid,
        agreement_id -> Uuid,
        scheduled_date -> Date,
        held_on -> Nullable<Date>,
        participant_organization_ids -> Array<Nullable<Uuid>>,
        agenda -> Nullable<Jsonb>,
        findings -> Nullable<Jsonb>,
        decisions -> Jsonb,
        outcome -> Text,
        next_review_due -> Nullable<Date>,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
        participant_contact_ids -> Array<Nullable<Uuid>>,
    }
}

diesel::table! {
    agreement_signatures (id) {
        id -> Uuid,
        agreement_id -> Uuid,
        version -> Int4,
        organization_id -> Uuid,
        content_hash -> Text,
        signatory_name -> Text,
        signatory_title -> Text,
        method -> Text,
        decision_ref -> Nullable<Text>,
        signed_by -> Nullable<Uuid>,
        signed_at -> Timestamptz,
    }
}

diesel::table! {
    agreement_versions (agreement_id, number) {
        agreement_id -> Uuid,
        number -> Int4,
        snapshot -> Jsonb,
        content_hash -> Text,
        rationale -> Nullable<Text>,
        created_at -> Timestamptz,
        party_contacts -> Jsonb,
        required_signers -> Array<Nullable<Uuid>>,
    }
}

diesel::table! {
    agreements (id) {
        id -> Uuid,
        code -> Text,
        title -> Jsonb,
        purpose -> Jsonb,
        start_date -> Date,
        end_date -> Date,
        max_extension_date -> Nullable<Date>,
        status -> Text,
        status_comment -> Nullable<Text>,
        current_version -> Nullable<Int4>,
        amendment_status -> Nullable<Text>,
        amendment_rationale -> Nullable<Text>,
        visibility -> Text,
        tasks -> Jsonb,
        ground_rules -> Jsonb,
        ci_principles -> Jsonb,
        ci_principles_complete -> Nullable<Bool>,
        cost_sharing -> Jsonb,
        review_cycle_months -> Int4,
        review_next_due -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
        created_by_organization_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    areas (kind, code, valid_from) {
        kind -> Text,
        code -> Text,
        name -> Jsonb,
        wellbeing_county_code -> Nullable<Text>,
        short_id -> Nullable<Text>,
        sotkanet_region_id -> Nullable<Int4>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> Int8,
        at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        organization_ids -> Array<Nullable<Uuid>>,
        diff -> Jsonb,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    contacts (id) {
        id -> Uuid,
        organization_id -> Uuid,
        name -> Nullable<Text>,
        title -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        topics -> Array<Nullable<Text>>,
        languages -> Array<Nullable<Text>>,
        user_id -> Nullable<Uuid>,
        visibility -> Text,
        erased_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        organization_id -> Uuid,
        email -> Text,
        display_name -> Text,
        role -> Text,
        token_hash -> Bytea,
        invited_by -> Nullable<Uuid>,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    memberships (organization_id, user_id) {
        organization_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    organizations (id) {
        id -> Uuid,
        name -> Jsonb,
        kind -> Text,
        business_id -> Nullable<Text>,
        parent_id -> Nullable<Uuid>,
        municipality_codes -> Array<Nullable<Text>>,
        wellbeing_county_code -> Nullable<Text>,
        description -> Nullable<Jsonb>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        external_ids -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        family_id -> Uuid,
        user_id -> Uuid,
        scope -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    service_clients (id) {
        id -> Uuid,
        name -> Text,
        organization_id -> Uuid,
        scopes -> Array<Nullable<Text>>,
        secret_hash -> Bytea,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        private_key -> Bytea,
        public_key -> Bytea,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        platform_admin -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::joinable!(agreement_acknowledgements -> organizations (organization_id));
diesel::joinable!(agreement_parties -> agreements (agreement_id));
diesel::joinable!(agreement_parties -> organizations (organization_id));
diesel::joinable!(agreement_reviews -> agreements (agreement_id));
diesel::joinable!(agreement_reviews -> users (recorded_by));
diesel::joinable!(agreement_signatures -> organizations (organization_id));
diesel::joinable!(agreement_signatures -> users (signed_by));
diesel::joinable!(agreement_versions -> agreements (agreement_id));
diesel::joinable!(contacts -> organizations (organization_id));
diesel::joinable!(contacts -> users (user_id));
diesel::joinable!(invitations -> organizations (organization_id));
diesel::joinable!(invitations -> users (invited_by));
diesel::joinable!(memberships -> organizations (organization_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(service_clients -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(
    agreement_seals,
    idempotency_keys,
    agreement_acknowledgements,
    agreement_parties,
    agreement_reviews,
    agreement_signatures,
    agreement_versions,
    agreements,
    areas,
    audit_log,
    contacts,
    invitations,
    memberships,
    organizations,
    refresh_tokens,
    service_clients,
    signing_keys,
    users,
);

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        request_hash -> Bytea,
        status -> Nullable<Int2>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    agreement_seals (agreement_id, version) {
        agreement_id -> Uuid,
        version -> Int4,
        seal -> Text,
        sealed_at -> Timestamptz,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Uuid,
        recipient -> Text,
        subject -> Text,
        body -> Nullable<Text>,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        failed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    coordination_documents (id) {
        id -> Uuid,
        owner_organization_id -> Uuid,
        title -> Text,
        timezone -> Text,
        agreement_id -> Nullable<Uuid>,
        sections -> Jsonb,
        revision -> Int8,
        updated_by -> Nullable<Uuid>,
        deleted_at -> Nullable<Timestamptz>,
        deleted_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    coordination_document_editors (document_id, organization_id) {
        document_id -> Uuid,
        organization_id -> Uuid,
        accepted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    coordination_entries (id) {
        id -> Uuid,
        document_id -> Uuid,
        position -> Text,
        date -> Date,
        start_time -> Nullable<Time>,
        end_time -> Nullable<Time>,
        title -> Text,
        content -> Text,
        responsible_organization_ids -> Array<Nullable<Uuid>>,
        responsible_contact_ids -> Array<Nullable<Uuid>>,
        status -> Text,
        updated_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    coordination_revisions (document_id, revision) {
        document_id -> Uuid,
        revision -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        entry_id -> Nullable<Uuid>,
        patch -> Jsonb,
        snapshot -> Nullable<Jsonb>,
        etags -> Jsonb,
    }
}

diesel::joinable!(coordination_document_editors -> coordination_documents (document_id));
diesel::joinable!(coordination_entries -> coordination_documents (document_id));
diesel::joinable!(coordination_revisions -> coordination_documents (document_id));

diesel::allow_tables_to_appear_in_same_query!(
    coordination_documents,
    coordination_document_editors,
    coordination_entries,
    coordination_revisions,
);
