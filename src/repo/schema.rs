// @generated automatically by Diesel CLI.

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

diesel::allow_tables_to_appear_in_same_query!(areas, organizations,);
