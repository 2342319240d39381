//! Calendar dates from Stripe's Unix timestamps. Stripe sends seconds since the
//! epoch; the portal shows the UTC calendar day, with month names and order
//! taken from the locale files (see `components::date`).

/// A calendar day in the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    /// Full year, e.g. 2026.
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

impl CivilDate {
    /// The UTC day that contains the given Unix time in seconds.
    pub fn from_unix(seconds: i64) -> Self {
        // Howard Hinnant's days-to-civil algorithm: exact for every i64 day count
        // we can get from Stripe, with no table and no dependency.
        let days = seconds.div_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self { year, month, day }
    }

    /// Midnight UTC at the start of this day, in Unix seconds (the inverse of
    /// `from_unix`, Hinnant's days-from-civil).
    pub fn to_unix(self) -> i64 {
        let year = self.year - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let month = i64::from(self.month);
        let mp = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unix_inverts_from_unix() {
        for seconds in [
            0,
            951_782_400,
            1_795_323_300 - 1_795_323_300 % 86_400,
            4_107_542_400,
        ] {
            assert_eq!(CivilDate::from_unix(seconds).to_unix(), seconds);
        }
        let leap_day = CivilDate {
            year: 2028,
            month: 2,
            day: 29,
        };
        assert_eq!(CivilDate::from_unix(leap_day.to_unix()), leap_day);
    }

    #[test]
    fn epoch_is_first_of_january_1970() {
        assert_eq!(
            CivilDate::from_unix(0),
            CivilDate {
                year: 1970,
                month: 1,
                day: 1
            }
        );
    }

    #[test]
    fn known_timestamps_map_to_their_utc_day() {
        // 2026-11-22T04:55:00Z
        assert_eq!(
            CivilDate::from_unix(1_795_323_300),
            CivilDate {
                year: 2026,
                month: 11,
                day: 22
            }
        );
        // 2024-02-29T23:59:59Z, a leap day, one second before March.
        assert_eq!(
            CivilDate::from_unix(1_709_251_199),
            CivilDate {
                year: 2024,
                month: 2,
                day: 29
            }
        );
        assert_eq!(
            CivilDate::from_unix(1_709_251_200),
            CivilDate {
                year: 2024,
                month: 3,
                day: 1
            }
        );
    }

    #[test]
    fn times_before_the_epoch_do_not_panic() {
        assert_eq!(
            CivilDate::from_unix(-1),
            CivilDate {
                year: 1969,
                month: 12,
                day: 31
            }
        );
    }
}
