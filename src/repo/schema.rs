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
        terminated_on -> Nullable<Date>,
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
        event_series_id -> Nullable<Uuid>,
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
        event_series_id -> Nullable<Uuid>,
        venue_id -> Nullable<Uuid>,
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

diesel::table! {
    venues (id) {
        id -> Uuid,
        name -> Jsonb,
        description -> Nullable<Jsonb>,
        kind -> Text,
        owner_organization_id -> Uuid,
        operator_organization_id -> Nullable<Uuid>,
        street -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        locality -> Nullable<Text>,
        municipality_code -> Text,
        wellbeing_county_code -> Text,
        lon -> Nullable<Float8>,
        lat -> Nullable<Float8>,
        accessibility -> Array<Nullable<Text>>,
        accessibility_info -> Nullable<Jsonb>,
        interpretation_services -> Array<Nullable<Text>>,
        opening_hours -> Jsonb,
        capacity -> Nullable<Int4>,
        premises_terms -> Text,
        rent_cents -> Nullable<Int8>,
        contact -> Nullable<Jsonb>,
        images -> Jsonb,
        external_ids -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    event_series (id) {
        id -> Uuid,
        parent_id -> Nullable<Uuid>,
        title -> Jsonb,
        summary -> Nullable<Jsonb>,
        description -> Nullable<Jsonb>,
        kind -> Text,
        activity_type -> Text,
        publisher_id -> Uuid,
        agreement_id -> Nullable<Uuid>,
        venue_id -> Nullable<Uuid>,
        attendance_mode -> Text,
        online_url -> Nullable<Text>,
        target_groups -> Array<Nullable<Text>>,
        min_age -> Nullable<Int4>,
        max_age -> Nullable<Int4>,
        themes -> Array<Nullable<Text>>,
        languages -> Array<Nullable<Text>>,
        is_free -> Bool,
        details -> Jsonb,
        publication_status -> Text,
        event_status -> Text,
        sequence -> Int4,
        schedule -> Nullable<Jsonb>,
        timezone -> Text,
        materialized_until -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    event_series_organizers (series_id, organization_id) {
        series_id -> Uuid,
        organization_id -> Uuid,
        accepted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    event_occurrences (id) {
        id -> Uuid,
        series_id -> Uuid,
        instance_date -> Date,
        scheduled_start -> Timestamptz,
        scheduled_end -> Timestamptz,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        moved -> Bool,
        cancelled -> Bool,
        venue_id -> Nullable<Uuid>,
        venue_overridden -> Bool,
        municipality_code -> Nullable<Text>,
        wellbeing_county_code -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
        published -> Bool,
    }
}

diesel::table! {
    occurrence_attendance (occurrence_id) {
        occurrence_id -> Uuid,
        participants -> Int4,
        volunteers -> Int4,
        by_age_group -> Jsonb,
        by_organizer -> Jsonb,
        notes -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    venue_bookings (id) {
        id -> Uuid,
        venue_id -> Uuid,
        organization_id -> Uuid,
        occurrence_id -> Nullable<Uuid>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        status -> Text,
        rent_cents -> Int8,
        note -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::joinable!(event_occurrences -> event_series (series_id));
diesel::joinable!(event_series_organizers -> event_series (series_id));
diesel::joinable!(occurrence_attendance -> event_occurrences (occurrence_id));
diesel::joinable!(venue_bookings -> venues (venue_id));

diesel::allow_tables_to_appear_in_same_query!(
    venues,
    event_series,
    event_series_organizers,
    event_occurrences,
    occurrence_attendance,
    venue_bookings,
);

diesel::table! {
    event_series_cost_items (id) {
        id -> Uuid,
        series_id -> Uuid,
        category -> Text,
        basis -> Text,
        amount_cents -> Int8,
        shares -> Jsonb,
        description -> Nullable<Text>,
        agreed_by -> Array<Nullable<Uuid>>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::joinable!(event_series_cost_items -> event_series (series_id));
diesel::allow_tables_to_appear_in_same_query!(event_series, event_series_cost_items);

diesel::table! {
    changes (id) {
        id -> Int8,
        resource_type -> Text,
        resource_id -> Uuid,
        series_id -> Nullable<Uuid>,
        reason -> Nullable<Text>,
        public -> Bool,
        organization_ids -> Array<Nullable<Uuid>>,
        changed_at -> Timestamptz,
        op -> Text,
        seq -> Nullable<Int8>,
    }
}

diesel::table! {
    change_horizon (singleton) {
        singleton -> Bool,
        pruned_through -> Int8,
    }
}

diesel::table! {
    rate_limit_windows (key) {
        key -> Bytea,
        started_at -> Timestamptz,
        hits -> Int4,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        organization_id -> Uuid,
        url -> Text,
        event_types -> Array<Nullable<Text>>,
        secret -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        after_seq -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        first_seq -> Int8,
        last_seq -> Int8,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        attempt_log -> Jsonb,
        next_attempt_at -> Timestamptz,
        failing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries);

diesel::table! {
    indicators (id) {
        id -> Uuid,
        code -> Text,
        title -> Jsonb,
        description -> Nullable<Jsonb>,
        interpretation -> Nullable<Jsonb>,
        limitations -> Nullable<Jsonb>,
        kind -> Text,
        measure -> Text,
        unit -> Nullable<Text>,
        decimals -> Int2,
        rate_per -> Nullable<Int4>,
        direction -> Text,
        aggregation -> Text,
        periodicity -> Text,
        dimensions -> Array<Nullable<Text>>,
        owner_organization_id -> Nullable<Uuid>,
        agreement_ids -> Array<Nullable<Uuid>>,
        external_references -> Jsonb,
        attribution -> Nullable<Text>,
        licence -> Nullable<Text>,
        visibility -> Text,
        locked_through -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
        source -> Text,
        derivation -> Nullable<Text>,
    }
}

diesel::table! {
    indicator_versions (indicator_id, version) {
        indicator_id -> Uuid,
        version -> Int8,
        definition -> Jsonb,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    observations (id) {
        id -> Uuid,
        indicator_id -> Uuid,
        value_type -> Text,
        period_code -> Text,
        period_start -> Date,
        period_end -> Date,
        area_kind -> Nullable<Text>,
        area_code -> Nullable<Text>,
        organization_id -> Nullable<Uuid>,
        sex -> Nullable<Text>,
        age_group -> Nullable<Text>,
        value -> Nullable<Numeric>,
        numerator -> Nullable<Numeric>,
        denominator -> Nullable<Numeric>,
        narrative -> Nullable<Jsonb>,
        provisional -> Bool,
        confidential -> Bool,
        status -> Text,
        status_comment -> Nullable<Text>,
        reporting_organization_id -> Nullable<Uuid>,
        submitted_by -> Nullable<Uuid>,
        reviewed_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    observation_history (observation_id, version) {
        observation_id -> Uuid,
        version -> Int8,
        snapshot -> Jsonb,
        changed_at -> Timestamptz,
    }
}

diesel::joinable!(indicator_versions -> indicators (indicator_id));
diesel::joinable!(observations -> indicators (indicator_id));
diesel::joinable!(observation_history -> observations (observation_id));
diesel::allow_tables_to_appear_in_same_query!(indicators, indicator_versions, observations, observation_history);

diesel::table! {
    phenomenon_themes (code) {
        code -> Text,
        name -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    phenomena (id) {
        id -> Uuid,
        theme -> Text,
        description -> Jsonb,
        municipality_code -> Text,
        postal_code -> Nullable<Text>,
        venue_id -> Nullable<Uuid>,
        observed_from -> Date,
        observed_to -> Date,
        people_concerned -> Nullable<Int4>,
        reporter_organization_id -> Uuid,
        reported_by -> Nullable<Uuid>,
        responsible_organization_id -> Nullable<Uuid>,
        status -> Text,
        response -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    networks (id) {
        id -> Uuid,
        name -> Jsonb,
        purpose -> Nullable<Jsonb>,
        kind -> Text,
        parent_network_id -> Nullable<Uuid>,
        county_code -> Nullable<Text>,
        municipality_codes -> Array<Nullable<Text>>,
        visibility -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    network_members (network_id, organization_id) {
        network_id -> Uuid,
        organization_id -> Uuid,
        role -> Text,
        contact_ids -> Array<Nullable<Uuid>>,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    network_requests (id) {
        id -> Uuid,
        network_id -> Uuid,
        organization_id -> Uuid,
        kind -> Text,
        role -> Text,
        status -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        version -> Int8,
    }
}

diesel::table! {
    workshops (id) {
        id -> Uuid,
        kind -> Text,
        title -> Jsonb,
        description -> Nullable<Jsonb>,
        date -> Date,
        venue_id -> Nullable<Uuid>,
        network_id -> Nullable<Uuid>,
        follows_workshop_id -> Nullable<Uuid>,
        client_cases -> Jsonb,
        votes_per_person -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    workshop_organizations (workshop_id, organization_id) {
        workshop_id -> Uuid,
        organization_id -> Uuid,
        role -> Text,
        accepted -> Bool,
        position -> Int4,
    }
}

diesel::table! {
    workshop_phenomena (workshop_id, phenomenon_id) {
        workshop_id -> Uuid,
        phenomenon_id -> Uuid,
    }
}

diesel::table! {
    workshop_challenges (id) {
        id -> Uuid,
        workshop_id -> Uuid,
        description -> Jsonb,
        prioritised -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    challenge_votes (challenge_id, user_id) {
        workshop_id -> Uuid,
        challenge_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    workshop_artefacts (id) {
        id -> Uuid,
        workshop_id -> Uuid,
        kind -> Text,
        title -> Jsonb,
        steps -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    meetings (id) {
        id -> Uuid,
        network_id -> Nullable<Uuid>,
        agreement_id -> Nullable<Uuid>,
        organizer_organization_id -> Uuid,
        kind -> Text,
        workshop_id -> Nullable<Uuid>,
        title -> Nullable<Jsonb>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        venue_id -> Nullable<Uuid>,
        booking_id -> Nullable<Uuid>,
        online_url -> Nullable<Text>,
        agenda -> Jsonb,
        coordination_document_id -> Nullable<Uuid>,
        attendance -> Jsonb,
        minutes -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    actions (id) {
        id -> Uuid,
        workshop_id -> Nullable<Uuid>,
        meeting_id -> Nullable<Uuid>,
        challenge_id -> Nullable<Uuid>,
        description -> Jsonb,
        responsible_organization_id -> Uuid,
        accepted -> Bool,
        contact_id -> Nullable<Uuid>,
        due_date -> Nullable<Date>,
        status -> Text,
        agreement_id -> Nullable<Uuid>,
        event_series_id -> Nullable<Uuid>,
        indicator_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::joinable!(network_members -> networks (network_id));
diesel::joinable!(workshop_organizations -> workshops (workshop_id));
diesel::allow_tables_to_appear_in_same_query!(
    networks,
    network_members,
    network_requests,
    workshops,
    workshop_organizations,
    workshop_phenomena,
    workshop_challenges,
    challenge_votes,
    workshop_artefacts,
    meetings,
    actions,
);
