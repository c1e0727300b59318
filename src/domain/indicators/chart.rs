//! An indicator's series as an SVG line chart, drawn with `plotters` (its SVG backend): the
//! actuals, with the targets and baselines beside them, periods along the x axis, the unit on
//! the y axis, numbers the Finnish way (decimal comma, spaced thousands), and an accessible
//! `<title>` and `<desc>` that say in words what the lines show.

use std::sync::OnceLock;

use plotters::prelude::*;

use super::model::{Indicator, IndicatorSeriesPoint};
use crate::domain::types::localized::LocalizedText;
use crate::error::AppError;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 450;
/// Measures the labels' text (the SVG names the family; a reader's own font draws it).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

fn font_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok())
}

/// `1234.5` as `1 234,5` (a no-break space between thousands), with `decimals` decimals.
pub fn finnish_number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped},{fraction}") }
}

fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn finnish(text: &LocalizedText) -> String {
    text.fi.clone().or_else(|| text.sv.clone()).or_else(|| text.en.clone()).unwrap_or_default()
}

/// The three lines: what they are called, their colour, and a point's value of them.
type Line = (&'static str, RGBColor, fn(&IndicatorSeriesPoint) -> Option<&String>);
const LINES: [Line; 3] = [
    ("Toteuma", RGBColor(0, 90, 160), |p| p.actual.as_ref()),
    ("Tavoite", RGBColor(0, 140, 70), |p| p.target.as_ref()),
    ("Lähtötaso", RGBColor(120, 120, 120), |p| p.baseline.as_ref()),
];

/// What the chart shows, in words, for those who do not see it.
fn description(indicator: &Indicator, points: &[IndicatorSeriesPoint], unit: &str) -> String {
    if points.is_empty() {
        return "Ei hyväksyttyjä arvoja valitulta ajalta.".to_owned();
    }
    let decimals = usize::try_from(indicator.fields.decimals).unwrap_or(0);
    let mut parts = Vec::new();
    for (name, _, value_of) in LINES {
        let values: Vec<String> = points
            .iter()
            .filter_map(|p| {
                let v = value_of(p)?.parse::<f64>().ok()?;
                Some(format!("{} {}{}", p.period.code, finnish_number(v, decimals), unit))
            })
            .collect();
        if !values.is_empty() {
            parts.push(format!("{name}: {}.", values.join(", ")));
        }
    }
    parts.join(" ")
}

/// The chart of `points` (oldest first) as an SVG document.
pub fn draw(indicator: &Indicator, points: &[IndicatorSeriesPoint]) -> Result<String, AppError> {
    if !font_registered() {
        return Err(AppError::internal("the chart font did not load"));
    }
    let title = finnish(&indicator.fields.title);
    let unit = indicator.fields.unit.clone().unwrap_or_default();
    let shown_unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
    let decimals = usize::try_from(indicator.fields.decimals).unwrap_or(0);
    let values: Vec<f64> =
        points.iter().flat_map(|p| LINES.iter().filter_map(|(_, _, of)| of(p)?.parse::<f64>().ok())).collect();
    let (low, high) = values.iter().fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    let (low, high) = if values.is_empty() { (0.0, 1.0) } else { (low.min(0.0), high.max(low + 1.0)) };
    let top = high + (high - low) * 0.1;
    let periods = points.len().max(1);
    let mut svg = String::new();
    {
        let fail = |e: plotters::drawing::DrawingAreaErrorKind<std::io::Error>| AppError::internal(e.to_string());
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0..periods).into_segmented(), low..top)
            .map_err(fail)?;
        let label_of = |x: &SegmentValue<usize>| match x {
            SegmentValue::CenterOf(i) => points.get(*i).map(|p| p.period.code.clone()).unwrap_or_default(),
            _ => String::new(),
        };
        let y_label = |y: &f64| finnish_number(*y, decimals);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(periods.min(24))
            .x_label_formatter(&label_of)
            .y_label_formatter(&y_label)
            .y_desc(if unit.is_empty() { "Arvo".to_owned() } else { format!("Arvo ({unit})") })
            .x_desc("Kausi")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(fail)?;
        for (name, colour, value_of) in LINES {
            let line: Vec<(SegmentValue<usize>, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| Some((SegmentValue::CenterOf(i), value_of(p)?.parse::<f64>().ok()?)))
                .collect();
            if line.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))
                .map_err(fail)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, colour.filled()))).map_err(fail)?;
        }
        if !values.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    // The accessible name and description, first in the document as SVG 1.1 has them.
    let accessible = format!(
        "<title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>",
        xml_text(&format!("{title}{}", if unit.is_empty() { String::new() } else { format!(" ({unit})") })),
        xml_text(&description(indicator, points, &shown_unit)),
    );
    let open_end = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|end| start + end))
        .ok_or_else(|| AppError::internal("the chart has no svg element"))?;
    let (head, rest) = svg.split_at(open_end);
    Ok(format!("{head} role=\"img\" aria-labelledby=\"chart-title chart-desc\">{accessible}{}", &rest[1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_finnish_way() {
        assert_eq!(finnish_number(1234.5, 1), "1\u{a0}234,5");
        assert_eq!(finnish_number(1_234_567.0, 0), "1\u{a0}234\u{a0}567");
        assert_eq!(finnish_number(-0.04, 1), "0,0");
        assert_eq!(finnish_number(-12.25, 2), "-12,25");
        assert_eq!(finnish_number(999.0, 0), "999");
    }
}
