//! When a series meets: our `schedule` turned into an RFC 5545 recurrence set and expanded
//! with the `rrule` crate. Recurrence is computed on local wall-clock dates and times, so a
//! 10:00 group stays at 10:00 across the daylight-saving change; each local time is then
//! placed in the series' zone (`chrono-tz`) as RFC 5545 §3.3.5 says: an ambiguous time is its
//! first occurrence, a time the clocks skip is read with the offset before the gap.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, Unvalidated};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::types::formats;
use crate::error::{AppError, FieldError};

/// At most this many occurrences in the materialised window: a daily series over a year of
/// history and the longest horizon (60 months) fits.
pub const MAX_OCCURRENCES: usize = 2200;
/// The longest occurrence (the database checks the same).
pub const MAX_LENGTH_DAYS: i64 = 31;

fn helsinki() -> String {
    "Europe/Helsinki".into()
}

/// The schedule of a single or recurring series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"timezone": "Europe/Helsinki", "start_date": "2026-03-03", "start_time": "10:00",
    "end_time": "12:00", "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "exdates": ["2026-03-17"]}))]
pub struct Schedule {
    /// IANA time zone of the local times (default `Europe/Helsinki`).
    #[serde(default = "helsinki")]
    #[schema(max_length = 64, example = "Europe/Helsinki")]
    #[validate(length(max = 64))]
    pub timezone: String,
    /// The first occurrence's local date (the RRULE's DTSTART): it must be an occurrence of the rule.
    #[validate(custom(function = "formats::plausible_date"))]
    pub start_date: NaiveDate,
    /// Local start time; not with `all_day`.
    #[serde(default, with = "formats::local_time")]
    #[schema(value_type = Option<String>, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", example = "10:00")]
    pub start_time: Option<NaiveTime>,
    /// Local end time (on the next day when not after the start time); or give `duration_minutes`.
    #[serde(default, with = "formats::local_time")]
    #[schema(value_type = Option<String>, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", example = "12:00")]
    pub end_time: Option<NaiveTime>,
    /// Length of each occurrence, instead of `end_time`.
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 1, maximum = 44640)]
    #[validate(range(min = 1, max = 44_640))]
    pub duration_minutes: Option<i32>,
    /// Whole days: each occurrence lasts from local midnight for `duration_days` days.
    #[serde(default)]
    pub all_day: bool,
    /// With `all_day`: days each occurrence lasts (default 1; at most 30, so that with a
    /// daylight-saving change it still stays within 31 days).
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 1, maximum = 30)]
    #[validate(range(min = 1, max = 30))]
    pub duration_days: Option<i32>,
    /// RFC 5545 RRULE without the `RRULE:` prefix: FREQ DAILY, WEEKLY, MONTHLY or YEARLY;
    /// INTERVAL, BYDAY (also `1MO`, `-1FR`), BYMONTHDAY, BYMONTH, BYSETPOS, WKST, COUNT or UNTIL
    /// (as RFC 5545 wants it beside a zoned start: in UTC, `20261231T215959Z`; for an all-day
    /// schedule a date, `20261231`).
    #[serde(default)]
    #[schema(max_length = 500, example = "FREQ=WEEKLY;BYDAY=TU;COUNT=10")]
    #[validate(length(max = 500))]
    pub rrule: Option<String>,
    /// Extra local dates at the same time (RDATE).
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    pub rdates: Vec<NaiveDate>,
    /// Local dates left out (EXDATE).
    #[serde(default)]
    #[schema(max_items = 500)]
    #[validate(length(max = 500))]
    pub exdates: Vec<NaiveDate>,
}

impl Schedule {
    /// The schedule as it is kept: the rule without empty parts or a `RRULE:` prefix, the
    /// dates in order and once each.
    pub fn normalised(mut self) -> Schedule {
        self.rrule = self.rrule.map(|r| {
            let r = r.trim();
            let r = r.strip_prefix("RRULE:").unwrap_or(r);
            r.split(';').map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(";")
        });
        self.rrule = self.rrule.filter(|r| !r.is_empty());
        for dates in [&mut self.rdates, &mut self.exdates] {
            dates.sort_unstable();
            dates.dedup();
        }
        self
    }
}

/// One occurrence as the schedule places it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Its local date: the occurrence's identity (RECURRENCE-ID).
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn invalid(field: &str, code: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError::new(format!("schedule.{field}"), code, message.into())])
}

/// A local time in `tz` as an instant (RFC 5545 §3.3.5 for folds and gaps).
pub fn place(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => {
            // In a gap: read with the offset in force just before it.
            let before = tz.from_utc_datetime(&(local - Duration::hours(3)));
            let offset = chrono::Offset::fix(before.offset()).local_minus_utc();
            DateTime::from_naive_utc_and_offset(local - Duration::seconds(i64::from(offset)), Utc)
        }
    }
}

/// A parsed, checked schedule, ready to expand.
#[derive(Clone, Debug)]
pub struct Plan {
    pub tz: Tz,
    schedule: Schedule,
    rule: Option<RRule<Unvalidated>>,
    /// The rule's UNTIL as a local wall-clock time in the zone.
    until: Option<NaiveDateTime>,
}

impl Schedule {
    /// Checks what field rules cannot: the zone, the times, the rule (422 naming the part).
    pub fn plan(&self) -> Result<Plan, AppError> {
        let tz: Tz = self
            .timezone
            .parse()
            .map_err(|_| invalid("timezone", "unknown_timezone", "use an IANA time zone such as Europe/Helsinki"))?;
        if self.all_day {
            if self.start_time.is_some() || self.end_time.is_some() || self.duration_minutes.is_some() {
                return Err(invalid("all_day", "with_times", "an all-day schedule has no times; use duration_days"));
            }
        } else {
            if self.start_time.is_none() {
                return Err(invalid("start_time", "missing", "give the start time, or all_day: true"));
            }
            if self.duration_days.is_some() {
                return Err(invalid("duration_days", "without_all_day", "duration_days is for all-day schedules"));
            }
            match (self.end_time, self.duration_minutes) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "duration_minutes",
                        "with_end_time",
                        "give end_time or duration_minutes, not both",
                    ));
                }
                (None, None) => return Err(invalid("end_time", "missing", "give end_time or duration_minutes")),
                _ => {}
            }
        }
        let (rule, until) = match self.rrule.as_deref().map(str::trim) {
            None | Some("") => (None, None),
            Some(text) => (Some(parse_rule(text)?), until_of(text, self.all_day, tz)?),
        };
        if until.is_some() && rule.as_ref().is_some_and(|r| r.get_count().is_some()) {
            return Err(invalid("rrule", "count_with_until", "give COUNT or UNTIL, not both (RFC 5545)"));
        }
        for (i, d) in self.rdates.iter().chain(&self.exdates).enumerate() {
            if formats::plausible_date(d).is_err() {
                let (field, at) =
                    if i < self.rdates.len() { ("rdates", i) } else { ("exdates", i - self.rdates.len()) };
                return Err(invalid(&format!("{field}[{at}]"), "out_of_range", "use a date in the years 1900-2199"));
            }
        }
        if until.is_some_and(|u| u < self.start_date.and_time(self.start_time.unwrap_or(NaiveTime::MIN))) {
            return Err(invalid("rrule", "until_before_start", "UNTIL is before the first occurrence"));
        }
        let plan = Plan { tz, schedule: self.clone(), rule, until };
        // DTSTART is the first occurrence: a rule that does not produce it is undefined in
        // RFC 5545, and calendars would disagree about it.
        if let Some(rule) = &plan.rule {
            let first = plan.rule_dates(rule, self.start_date, self.start_date)?;
            if first.first() != Some(&self.start_date) {
                return Err(invalid(
                    "start_date",
                    "not_an_occurrence",
                    "the start date must be an occurrence of the rule (it is the first one)",
                ));
            }
        }
        Ok(plan)
    }
}

/// The UNTIL of a rule as a local time in `tz`: a UTC date-time beside a timed start, a date
/// (the whole day) beside an all-day one, as RFC 5545 §3.3.10 requires (422 otherwise).
fn until_of(text: &str, all_day: bool, tz: Tz) -> Result<Option<NaiveDateTime>, AppError> {
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    let Some(value) = text.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim().eq_ignore_ascii_case("UNTIL").then(|| value.trim())
    }) else {
        return Ok(None);
    };
    if all_day {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .ok()
            .filter(|_| value.len() == 8)
            .map(|d| Some(d.and_time(NaiveTime::MIN) + Duration::days(1) - Duration::seconds(1)))
            .ok_or_else(|| invalid("rrule", "invalid_until", "with all_day, UNTIL is a date such as 20261231"));
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .ok()
        .filter(|_| value.len() == 16)
        .map(|utc| Some(DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc).with_timezone(&tz).naive_local()))
        .ok_or_else(|| invalid("rrule", "invalid_until", "UNTIL is a UTC date-time such as 20261231T215959Z"))
}

/// Parses an RRULE and refuses what the service does not schedule (422 naming the part).
fn parse_rule(text: &str) -> Result<RRule<Unvalidated>, AppError> {
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if text.contains(['\r', '\n']) {
        return Err(invalid("rrule", "invalid_rrule", "one RRULE line, without line breaks"));
    }
    let rule: RRule<Unvalidated> =
        text.parse().map_err(|e: rrule::RRuleError| invalid("rrule", "invalid_rrule", e.to_string()))?;
    let part = |name: &str| {
        invalid(
            "rrule",
            "unsupported_part",
            format!("{name} is not supported: occurrences are whole events with the schedule's own times"),
        )
    };
    if !matches!(rule.get_freq(), Frequency::Daily | Frequency::Weekly | Frequency::Monthly | Frequency::Yearly) {
        return Err(invalid("rrule", "unsupported_part", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"));
    }
    if !rule.get_by_hour().is_empty() {
        return Err(part("BYHOUR"));
    }
    if !rule.get_by_minute().is_empty() {
        return Err(part("BYMINUTE"));
    }
    if !rule.get_by_second().is_empty() {
        return Err(part("BYSECOND"));
    }
    if rule.get_interval() > 1000 {
        return Err(invalid("rrule", "out_of_range", "INTERVAL is at most 1000"));
    }
    if rule.get_count().is_some_and(|c| c as usize > MAX_OCCURRENCES) {
        return Err(invalid("rrule", "out_of_range", format!("COUNT is at most {MAX_OCCURRENCES}")));
    }
    Ok(rule)
}

impl Plan {
    fn start_time(&self) -> NaiveTime {
        self.schedule.start_time.unwrap_or(NaiveTime::MIN)
    }

    /// Local dates of the rule from `from` up to and including `until`, computed on floating
    /// (zone-less) times.
    fn rule_dates(
        &self,
        rule: &RRule<Unvalidated>,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<NaiveDate>, AppError> {
        let floating = |local: NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(&local);
        let mut rule = rule.clone();
        // UNTIL compared as the local time it is in our zone.
        if let Some(local) = self.until {
            rule = rule.until(floating(local));
        }
        let start = floating(self.schedule.start_date.and_time(self.start_time()));
        let set = rule
            .build(start)
            .map_err(|e| invalid("rrule", "invalid_rrule", e.to_string()))?
            .after(floating(from.and_time(NaiveTime::MIN)))
            .before(floating(until.and_time(NaiveTime::MIN) + Duration::days(1) - Duration::seconds(1)));
        let result = set.all(u16::try_from(MAX_OCCURRENCES + 1).unwrap_or(u16::MAX));
        if result.dates.len() > MAX_OCCURRENCES {
            return Err(invalid(
                "rrule",
                "too_many_occurrences",
                format!("the rule gives more than {MAX_OCCURRENCES} occurrences within the horizon; meet less often"),
            ));
        }
        Ok(result.dates.iter().map(|d| d.naive_utc().date()).collect())
    }

    /// Every occurrence whose local date is in `from..=until`, in order.
    pub fn expand(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<Instance>, AppError> {
        let s = &self.schedule;
        let mut dates = match &self.rule {
            Some(rule) => self.rule_dates(rule, from, until)?,
            None => vec![s.start_date],
        };
        dates.extend(s.rdates.iter().copied());
        dates.retain(|d| !s.exdates.contains(d) && (from..=until).contains(d));
        dates.sort_unstable();
        dates.dedup();
        if dates.len() > MAX_OCCURRENCES {
            return Err(invalid("rdates", "too_many_occurrences", format!("at most {MAX_OCCURRENCES} occurrences")));
        }
        Ok(dates.into_iter().map(|d| self.instance(d)).collect())
    }

    /// The occurrence on local date `date`, as the schedule places it.
    pub fn instance(&self, date: NaiveDate) -> Instance {
        let s = &self.schedule;
        if s.all_day {
            let days = i64::from(s.duration_days.unwrap_or(1));
            return Instance {
                date,
                start: place(self.tz, date.and_time(NaiveTime::MIN)),
                end: place(self.tz, (date + Duration::days(days)).and_time(NaiveTime::MIN)),
            };
        }
        let start_local = date.and_time(self.start_time());
        let start = place(self.tz, start_local);
        let end = match (s.end_time, s.duration_minutes) {
            (Some(end_time), _) => {
                let end_day = if end_time > self.start_time() { date } else { date + Duration::days(1) };
                place(self.tz, end_day.and_time(end_time))
            }
            (None, Some(minutes)) => start + Duration::minutes(i64::from(minutes)),
            (None, None) => start + Duration::hours(1),
        };
        // A wall-clock end the clocks skipped can fall before the start: keep an hour at least.
        let end = if end > start { end } else { start + Duration::hours(1) };
        Instance { date, start, end }
    }

    /// The schedule as a schema.org `Schedule`, when schema.org can say it: a plain frequency
    /// with weekdays, days of the month or months, a count or an end date, and exception
    /// dates. `None` for what it cannot (nth weekdays, BYSETPOS, extra dates): the occurrences
    /// say it exactly anyway.
    pub fn schema_org(&self) -> Option<serde_json::Value> {
        use serde_json::{Map, Value, json};
        let s = &self.schedule;
        if !s.rdates.is_empty() {
            return None;
        }
        let mut schedule = Map::new();
        schedule.insert("@type".into(), json!("Schedule"));
        schedule.insert("startDate".into(), json!(s.start_date.to_string()));
        schedule.insert("scheduleTimezone".into(), json!(self.tz.name()));
        let first = self.instance(s.start_date);
        let duration = if s.all_day {
            format!("P{}D", s.duration_days.unwrap_or(1))
        } else {
            let minutes = (first.end - first.start).num_minutes();
            format!("PT{}H{}M", minutes / 60, minutes % 60)
        };
        schedule.insert("duration".into(), json!(duration));
        if !s.all_day {
            let local = |at: DateTime<Utc>| at.with_timezone(&self.tz).time().format("%H:%M:%S").to_string();
            schedule.insert("startTime".into(), json!(local(first.start)));
            schedule.insert("endTime".into(), json!(local(first.end)));
        }
        if !s.exdates.is_empty() {
            let dates: Vec<String> = s.exdates.iter().map(NaiveDate::to_string).collect();
            schedule.insert("exceptDate".into(), json!(dates));
        }
        let Some(rule) = &self.rule else {
            // A single event: once.
            schedule.insert("repeatCount".into(), json!(1));
            return Some(Value::Object(schedule));
        };
        if !rule.get_by_set_pos().is_empty() || !rule.get_by_year_day().is_empty() || !rule.get_by_week_no().is_empty()
        {
            return None;
        }
        let unit = match rule.get_freq() {
            Frequency::Daily => "D",
            Frequency::Weekly => "W",
            Frequency::Monthly => "M",
            Frequency::Yearly => "Y",
            _ => return None,
        };
        schedule.insert("repeatFrequency".into(), json!(format!("P{}{unit}", rule.get_interval().max(1))));
        let mut days = Vec::new();
        for day in rule.get_by_weekday() {
            let rrule::NWeekday::Every(day) = day else { return None };
            let name = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
                [day.num_days_from_monday() as usize];
            days.push(format!("https://schema.org/{name}"));
        }
        if !days.is_empty() {
            schedule.insert("byDay".into(), json!(days));
        }
        if !rule.get_by_month_day().is_empty() {
            schedule.insert("byMonthDay".into(), json!(rule.get_by_month_day()));
        }
        if !rule.get_by_month().is_empty() {
            schedule.insert("byMonth".into(), json!(rule.get_by_month()));
        }
        if let Some(count) = rule.get_count() {
            schedule.insert("repeatCount".into(), json!(count));
        }
        if let Some(until) = self.until {
            schedule.insert("endDate".into(), json!(until.date().to_string()));
        }
        Some(Value::Object(schedule))
    }

    /// The rule as it is written into a calendar (`RRULE:` value), if any.
    pub fn rule_text(&self) -> Option<String> {
        self.schedule
            .rrule
            .as_deref()
            .map(|r| r.trim().trim_start_matches("RRULE:").to_owned())
            .filter(|r| !r.is_empty())
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The parsed rule, for exports that restate it in their own terms.
    pub fn rule(&self) -> Option<&RRule<Unvalidated>> {
        self.rule.as_ref()
    }

    /// The rule's UNTIL as a local wall-clock time in the zone.
    pub fn until(&self) -> Option<NaiveDateTime> {
        self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(start: &str, time: &str, rule: &str) -> Schedule {
        Schedule {
            timezone: "America/New_York".into(),
            start_date: start.parse().unwrap(),
            start_time: formats::local_time::parse(time),
            end_time: None,
            duration_minutes: Some(60),
            all_day: false,
            duration_days: None,
            rrule: Some(rule.into()),
            rdates: vec![],
            exdates: vec![],
        }
    }

    fn dates(s: &Schedule, until: &str) -> Vec<String> {
        s.plan()
            .unwrap()
            .expand("1900-01-01".parse().unwrap(), until.parse().unwrap())
            .unwrap()
            .iter()
            .map(|i| i.date.to_string())
            .collect()
    }

    // RFC 5545 §3.8.5.3 examples.
    #[test]
    fn rfc_5545_daily_for_ten_occurrences() {
        let s = schedule("1997-09-02", "09:00", "FREQ=DAILY;COUNT=10");
        let d = dates(&s, "1998-01-01");
        assert_eq!(d.len(), 10);
        assert_eq!(d.first().unwrap(), "1997-09-02");
        assert_eq!(d.last().unwrap(), "1997-09-11");
    }

    #[test]
    fn rfc_5545_every_other_week_on_tuesday_and_thursday_for_eight() {
        let s = schedule("1997-09-02", "09:00", "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH");
        assert_eq!(
            dates(&s, "1998-01-01"),
            [
                "1997-09-02",
                "1997-09-04",
                "1997-09-16",
                "1997-09-18",
                "1997-09-30",
                "1997-10-02",
                "1997-10-14",
                "1997-10-16"
            ]
        );
    }

    #[test]
    fn rfc_5545_monthly_on_the_first_friday_and_the_last_weekday() {
        let s = schedule("1997-09-05", "09:00", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR");
        assert_eq!(&dates(&s, "1999-01-01")[..4], ["1997-09-05", "1997-10-03", "1997-11-07", "1997-12-05"]);
        let s = schedule("1997-09-30", "09:00", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4");
        assert_eq!(dates(&s, "1999-01-01"), ["1997-09-30", "1997-10-31", "1997-11-28", "1997-12-31"]);
        let s = schedule("1997-09-28", "09:00", "FREQ=MONTHLY;BYMONTHDAY=-3;COUNT=3");
        assert_eq!(dates(&s, "1999-01-01"), ["1997-09-28", "1997-10-29", "1997-11-28"]);
        let s = schedule("1997-09-22", "09:00", "FREQ=MONTHLY;COUNT=3;BYDAY=-2MO");
        assert_eq!(dates(&s, "1999-01-01"), ["1997-09-22", "1997-10-20", "1997-11-17"]);
    }

    #[test]
    fn rfc_5545_yearly_in_june_and_july_and_until() {
        let s = schedule("1997-06-10", "09:00", "FREQ=YEARLY;COUNT=4;BYMONTH=6,7");
        assert_eq!(dates(&s, "2000-01-01"), ["1997-06-10", "1997-07-10", "1998-06-10", "1998-07-10"]);
        // UNTIL=19971224T000000Z is 19:00 on the 23rd in New York: the 23rd is the last day.
        let s = schedule("1997-09-02", "09:00", "FREQ=DAILY;UNTIL=19971224T000000Z");
        let d = dates(&s, "1998-06-01");
        assert_eq!(d.len(), 113);
        assert_eq!(d.last().unwrap(), "1997-12-23");
    }

    #[test]
    fn a_weekly_group_keeps_its_local_time_across_the_daylight_saving_change() {
        let mut s = schedule("2026-03-24", "10:00", "FREQ=WEEKLY;BYDAY=TU;COUNT=3");
        s.timezone = "Europe/Helsinki".into();
        let plan = s.plan().unwrap();
        let starts: Vec<String> = plan
            .expand("1900-01-01".parse().unwrap(), "2026-12-31".parse().unwrap())
            .unwrap()
            .iter()
            .map(|i| i.start.to_rfc3339())
            .collect();
        // 10:00 EET is 08:00Z; after 29 March, 10:00 EEST is 07:00Z.
        assert_eq!(starts, ["2026-03-24T08:00:00+00:00", "2026-03-31T07:00:00+00:00", "2026-04-07T07:00:00+00:00"]);
        // Autumn: 25 October.
        let mut s = schedule("2026-10-20", "10:00", "FREQ=WEEKLY;COUNT=2");
        s.timezone = "Europe/Helsinki".into();
        let starts: Vec<String> = s
            .plan()
            .unwrap()
            .expand("1900-01-01".parse().unwrap(), "2026-12-31".parse().unwrap())
            .unwrap()
            .iter()
            .map(|i| i.start.to_rfc3339())
            .collect();
        assert_eq!(starts, ["2026-10-20T07:00:00+00:00", "2026-10-27T08:00:00+00:00"]);
    }

    #[test]
    fn times_in_the_gap_and_the_fold_follow_rfc_5545() {
        let tz: Tz = "Europe/Helsinki".parse().unwrap();
        // 03:30 on 29 March 2026 does not exist: read with +02:00, so 01:30Z (04:30 EEST).
        let gap = "2026-03-29T03:30:00".parse::<NaiveDateTime>().unwrap();
        assert_eq!(place(tz, gap).to_rfc3339(), "2026-03-29T01:30:00+00:00");
        // 03:30 on 25 October 2026 happens twice: the first (EEST, +03:00).
        let fold = "2026-10-25T03:30:00".parse::<NaiveDateTime>().unwrap();
        assert_eq!(place(tz, fold).to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn exdates_rdates_and_all_day() {
        let mut s = schedule("2026-03-03", "10:00", "FREQ=WEEKLY;BYDAY=TU;COUNT=4");
        s.exdates = vec!["2026-03-17".parse().unwrap()];
        s.rdates = vec!["2026-03-05".parse().unwrap()];
        assert_eq!(dates(&s, "2026-12-31"), ["2026-03-03", "2026-03-05", "2026-03-10", "2026-03-24"]);
        let mut s = schedule("2026-06-01", "", "FREQ=DAILY;COUNT=2");
        s.timezone = "Europe/Helsinki".into();
        s.duration_minutes = None;
        s.all_day = true;
        let plan = s.plan().unwrap();
        let first = plan.expand("1900-01-01".parse().unwrap(), "2026-12-31".parse().unwrap()).unwrap()[0];
        assert_eq!(
            (first.start.to_rfc3339(), first.end.to_rfc3339()),
            ("2026-05-31T21:00:00+00:00".into(), "2026-06-01T21:00:00+00:00".into())
        );
    }

    #[test]
    fn until_is_utc_beside_a_time_and_a_date_beside_all_day() {
        let mut s = schedule("2026-03-03", "10:00", "FREQ=WEEKLY;UNTIL=20260317");
        s.timezone = "Europe/Helsinki".into();
        assert!(matches!(s.plan(), Err(AppError::Validation(e)) if e[0].code == "invalid_until"));
        // 08:00Z on the 17th is 10:00 in Helsinki: the 17th is the last one.
        s.rrule = Some("FREQ=WEEKLY;UNTIL=20260317T080000Z".into());
        assert_eq!(dates(&s, "2026-12-31"), ["2026-03-03", "2026-03-10", "2026-03-17"]);
        s.rrule = Some("FREQ=WEEKLY;UNTIL=20260317T075959Z".into());
        assert_eq!(dates(&s, "2026-12-31"), ["2026-03-03", "2026-03-10"]);
        s.start_time = None;
        s.duration_minutes = None;
        s.all_day = true;
        s.rrule = Some("FREQ=WEEKLY;UNTIL=20260317".into());
        assert_eq!(dates(&s, "2026-12-31"), ["2026-03-03", "2026-03-10", "2026-03-17"]);
    }

    #[test]
    fn only_the_window_counts_towards_the_limit() {
        // A daily rule with no end: 3,000 days from the start, but a year's window is fine.
        let s = schedule("2020-01-01", "10:00", "FREQ=DAILY");
        let plan = s.plan().unwrap();
        let window = plan.expand("2028-01-01".parse().unwrap(), "2028-12-31".parse().unwrap()).unwrap();
        assert_eq!(window.len(), 366);
        assert_eq!(window[0].date.to_string(), "2028-01-01");
        assert!(plan.expand("2020-01-01".parse().unwrap(), "2028-12-31".parse().unwrap()).is_err());
    }

    #[test]
    fn invalid_rules_name_the_part() {
        let err = |rule: &str| match schedule("2026-03-03", "10:00", rule).plan() {
            Err(AppError::Validation(e)) => (e[0].field.clone(), e[0].code.clone(), e[0].message.clone()),
            other => panic!("{other:?}"),
        };
        assert_eq!(err("FREQ=HOURLY").1, "unsupported_part");
        assert!(err("FREQ=WEEKLY;BYHOUR=10").2.contains("BYHOUR"));
        let (field, code, message) = err("FREQ=WEEKLY;BYDAY=XX");
        assert_eq!((field.as_str(), code.as_str()), ("schedule.rrule", "invalid_rrule"));
        assert!(message.contains("XX"), "{message}");
        assert_eq!(err("FREQ=WEEKLY;BYDAY=WE").0, "schedule.start_date");
        assert_eq!(err("FREQ=DAILY;COUNT=5000").1, "out_of_range");
    }
}
