DROP TABLE event_series_cost_items;
DROP TABLE venue_bookings;
DROP TABLE occurrence_attendance;
DROP TABLE event_occurrences;
DROP TABLE event_series_organizers;
DROP TABLE event_series;
DROP TABLE venues;
DROP FUNCTION venues_set_county();
