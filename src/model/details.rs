//! The customer's billing details (Stripe's `customer_update`): what the
//! portal shows and what a customer may submit, with the validation that
//! runs on the server before anything reaches Stripe.

use serde::{Deserialize, Serialize};

use super::EmailAddress;
pub use crate::portal_config::UpdatableDetail;

/// A postal address as Stripe stores it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    pub state: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        [
            &self.line1,
            &self.line2,
            &self.city,
            &self.postal_code,
            &self.state,
            &self.country,
        ]
        .iter()
        .all(|f| f.trim().is_empty())
    }
}

/// A tax id on the customer, e.g. an EU VAT number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxId {
    /// Stripe tax id id (`txi_…`).
    pub id: String,
    pub kind: TaxIdKind,
    pub value: String,
}

/// The tax id types the portal accepts (a subset of Stripe's, each with a
/// format check so a typo is caught before Stripe sees it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaxIdKind {
    EuVat,
    GbVat,
    ChVat,
    NoVat,
    AuAbn,
    CaBn,
    UsEin,
}

impl TaxIdKind {
    pub const ALL: [TaxIdKind; 7] = [
        Self::EuVat,
        Self::GbVat,
        Self::ChVat,
        Self::NoVat,
        Self::AuAbn,
        Self::CaBn,
        Self::UsEin,
    ];

    /// Stripe's `type` value, also the form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EuVat => "eu_vat",
            Self::GbVat => "gb_vat",
            Self::ChVat => "ch_vat",
            Self::NoVat => "no_vat",
            Self::AuAbn => "au_abn",
            Self::CaBn => "ca_bn",
            Self::UsEin => "us_ein",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// An example the form shows as a hint.
    pub fn example(self) -> &'static str {
        match self {
            Self::EuVat => "DE123456789",
            Self::GbVat => "GB123456789",
            Self::ChVat => "CHE-123.456.789 MWST",
            Self::NoVat => "123456789MVA",
            Self::AuAbn => "12345678912",
            Self::CaBn => "123456789",
            Self::UsEin => "12-3456789",
        }
    }

    /// Whether `value` (already trimmed and upper-cased) has this type's shape.
    fn accepts(self, value: &str) -> bool {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let compact: String = value
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        match self {
            // Two-letter member state prefix, then 8 to 12 letters or digits.
            Self::EuVat => {
                compact.len() >= 10
                    && compact.len() <= 14
                    && compact.bytes().take(2).all(|b| b.is_ascii_uppercase())
                    && compact.bytes().skip(2).all(|b| b.is_ascii_alphanumeric())
            }
            Self::GbVat => compact
                .strip_prefix("GB")
                .is_some_and(|n| digits(n) && (n.len() == 9 || n.len() == 12)),
            Self::ChVat => compact
                .strip_prefix("CHE")
                .and_then(|n| {
                    n.strip_suffix("MWST")
                        .or(n.strip_suffix("TVA"))
                        .or(n.strip_suffix("IVA"))
                })
                .is_some_and(|n| digits(n) && n.len() == 9),
            Self::NoVat => compact
                .strip_suffix("MVA")
                .is_some_and(|n| digits(n) && n.len() == 9),
            Self::AuAbn => digits(&compact) && compact.len() == 11,
            Self::CaBn => digits(&compact) && compact.len() == 9,
            Self::UsEin => {
                value.len() == 10
                    && value.as_bytes()[2] == b'-'
                    && digits(&value[..2])
                    && digits(&value[3..])
            }
        }
    }
}

/// The signed-in customer's billing details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetails {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: Address,
    pub tax_ids: Vec<TaxId>,
}

/// What the details page shows and may change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsPage {
    pub details: CustomerDetails,
    /// The fields the configuration lets the customer change.
    pub allowed: Vec<UpdatableDetail>,
    /// See `PortalOverview::form_nonce`.
    pub form_nonce: String,
}

/// A field of the details form, so an error can name what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DetailField {
    Name,
    Email,
    Phone,
    AddressLine,
    City,
    PostalCode,
    Country,
    TaxId,
}

/// What the details form submits, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsForm {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub tax_id_type: Option<String>,
    pub tax_id_value: Option<String>,
}

/// The tax id a valid form asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaxIdChange {
    Keep,
    Remove,
    Set(TaxIdKind, String),
}

/// A validated change: `None` leaves a field as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailsUpdate {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub tax_id: TaxIdChange,
}

const MAX_NAME: usize = 200;
const MAX_LINE: usize = 200;

/// ISO 3166-1 alpha-2 codes Stripe accepts for addresses.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

fn trimmed(value: &Option<String>) -> Option<String> {
    value.as_deref().map(|v| v.trim().to_string())
}

fn short_enough(value: &str, max: usize, field: DetailField) -> Result<(), DetailField> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        Err(field)
    } else {
        Ok(())
    }
}

/// A phone number: digits with the usual separators and an optional leading
/// `+`; 5 to 15 digits (E.164's maximum).
pub fn valid_phone(phone: &str) -> bool {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (5..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.'))
}

impl DetailsForm {
    /// Checks the submitted fields that `allowed` lets the customer change.
    /// Fields not allowed, or not sent, are left as they are. The first
    /// invalid field is the error.
    pub fn validate(&self, allowed: &[UpdatableDetail]) -> Result<DetailsUpdate, DetailField> {
        let may = |d: UpdatableDetail| allowed.contains(&d);
        let name = trimmed(&self.name).filter(|_| may(UpdatableDetail::Name));
        if let Some(name) = &name {
            short_enough(name, MAX_NAME, DetailField::Name)?;
        }
        let email = match trimmed(&self.email).filter(|_| may(UpdatableDetail::Email)) {
            Some(typed) => Some(EmailAddress::parse(&typed).ok_or(DetailField::Email)?),
            None => None,
        };
        let phone = trimmed(&self.phone).filter(|_| may(UpdatableDetail::Phone));
        if let Some(phone) = &phone
            && !phone.is_empty()
            && !valid_phone(phone)
        {
            return Err(DetailField::Phone);
        }
        let address = if may(UpdatableDetail::Address) && self.line1.is_some() {
            let address = Address {
                line1: trimmed(&self.line1).unwrap_or_default(),
                line2: trimmed(&self.line2).unwrap_or_default(),
                city: trimmed(&self.city).unwrap_or_default(),
                postal_code: trimmed(&self.postal_code).unwrap_or_default(),
                state: trimmed(&self.state).unwrap_or_default(),
                country: trimmed(&self.country)
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
            };
            Some(address)
                .filter(|a| !a.is_empty())
                .map(validate_address)
                .transpose()?
        } else {
            None
        };
        // The form always sends the type; an empty number (which form
        // decoding may turn into no value at all) removes the tax id.
        let tax_id = if may(UpdatableDetail::TaxId) && self.tax_id_type.is_some() {
            let value = trimmed(&self.tax_id_value)
                .unwrap_or_default()
                .to_ascii_uppercase();
            if value.is_empty() {
                TaxIdChange::Remove
            } else {
                let kind = self
                    .tax_id_type
                    .as_deref()
                    .and_then(TaxIdKind::parse)
                    .ok_or(DetailField::TaxId)?;
                if value.len() > 40 || !kind.accepts(&value) {
                    return Err(DetailField::TaxId);
                }
                // Stored without the spaces people type; the Swiss format
                // keeps its own ("CHE-123.456.789 MWST").
                let value = if kind == TaxIdKind::ChVat {
                    value
                } else {
                    value.replace(' ', "")
                };
                TaxIdChange::Set(kind, value)
            }
        } else {
            TaxIdChange::Keep
        };
        Ok(DetailsUpdate {
            name,
            email,
            phone,
            address,
            tax_id,
        })
    }
}

fn validate_address(address: Address) -> Result<Address, DetailField> {
    for line in [&address.line1, &address.line2, &address.state] {
        short_enough(line, MAX_LINE, DetailField::AddressLine)?;
    }
    short_enough(&address.city, MAX_LINE, DetailField::City)?;
    if address.line1.is_empty() {
        return Err(DetailField::AddressLine);
    }
    if address.city.is_empty() {
        return Err(DetailField::City);
    }
    let postal_ok = address.postal_code.len() <= 16
        && address
            .postal_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
    if !postal_ok {
        return Err(DetailField::PostalCode);
    }
    let country_ok =
        address.country.len() == 2 && COUNTRIES.split(' ').any(|c| c == address.country);
    if !country_ok {
        return Err(DetailField::Country);
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERYTHING: [UpdatableDetail; 5] = [
        UpdatableDetail::Name,
        UpdatableDetail::Email,
        UpdatableDetail::Address,
        UpdatableDetail::Phone,
        UpdatableDetail::TaxId,
    ];

    fn form() -> DetailsForm {
        DetailsForm {
            name: Some(" Ada Lovelace ".into()),
            email: Some("ada@example.com".into()),
            phone: Some("+44 20 7946 0958".into()),
            line1: Some("12 St James's Square".into()),
            line2: Some(String::new()),
            city: Some("London".into()),
            postal_code: Some("SW1Y 4JH".into()),
            state: Some(String::new()),
            country: Some("gb".into()),
            tax_id_type: Some("gb_vat".into()),
            tax_id_value: Some("gb123456789".into()),
        }
    }

    #[test]
    fn a_complete_form_is_normalised() {
        let update = form().validate(&EVERYTHING).expect("valid");
        assert_eq!(update.name.as_deref(), Some("Ada Lovelace"));
        let address = update.address.expect("address");
        assert_eq!(address.country, "GB");
        assert_eq!(
            update.tax_id,
            TaxIdChange::Set(TaxIdKind::GbVat, "GB123456789".into())
        );
    }

    /// Spoils one field of a valid form.
    type Spoil = fn(&mut DetailsForm);

    #[test]
    fn each_bad_field_is_named() {
        let cases: [(Spoil, DetailField); 9] = [
            (
                |f| f.email = Some("ada.example.com".into()),
                DetailField::Email,
            ),
            (|f| f.email = Some("ada@example".into()), DetailField::Email),
            (
                |f| f.email = Some("a da@example.com".into()),
                DetailField::Email,
            ),
            (|f| f.phone = Some("call me".into()), DetailField::Phone),
            (|f| f.line1 = Some(" ".into()), DetailField::AddressLine),
            (|f| f.city = Some(String::new()), DetailField::City),
            (|f| f.country = Some("XX".into()), DetailField::Country),
            (
                |f| f.postal_code = Some("<script>".into()),
                DetailField::PostalCode,
            ),
            (|f| f.tax_id_value = Some("DE12".into()), DetailField::TaxId),
        ];
        for (break_it, field) in cases {
            let mut f = form();
            break_it(&mut f);
            assert_eq!(f.validate(&EVERYTHING), Err(field), "{f:?}");
        }
    }

    #[test]
    fn fields_not_allowed_are_ignored_even_when_sent() {
        let mut f = form();
        f.email = Some("not an email".into());
        let update = f.validate(&[UpdatableDetail::Name]).expect("valid");
        assert_eq!(update.email, None);
        assert_eq!(update.address, None);
        assert_eq!(update.tax_id, TaxIdChange::Keep);
    }

    #[test]
    fn empty_tax_id_removes_it_and_empty_address_changes_nothing() {
        let mut f = form();
        f.tax_id_value = Some(" ".into());
        for field in [
            &mut f.line1,
            &mut f.line2,
            &mut f.city,
            &mut f.postal_code,
            &mut f.state,
            &mut f.country,
        ] {
            *field = Some(String::new());
        }
        let update = f.validate(&EVERYTHING).expect("valid");
        assert_eq!(update.tax_id, TaxIdChange::Remove);
        assert_eq!(update.address, None);
    }

    #[test]
    fn tax_id_shapes() {
        assert!(TaxIdKind::EuVat.accepts("DE123456789"));
        assert!(!TaxIdKind::EuVat.accepts("123456789"));
        assert!(TaxIdKind::UsEin.accepts("12-3456789"));
        assert!(!TaxIdKind::UsEin.accepts("123456789"));
        assert!(TaxIdKind::ChVat.accepts("CHE-123.456.789 MWST"));
        assert!(TaxIdKind::NoVat.accepts("123456789MVA"));
        assert!(!TaxIdKind::GbVat.accepts("GB1234"));
        // Not ASCII: refused, never a panic on a character boundary.
        assert!(!TaxIdKind::EuVat.accepts("AÉ123456"));
        assert!(!TaxIdKind::UsEin.accepts("1É-345678"));
    }
}
