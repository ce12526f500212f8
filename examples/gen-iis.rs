//! `gen-iis`: writes a deterministic, synthetic but realistic Exchange 2019 front-end
//! (W3SVC1) IIS W3C log, for benchmarks and stress tests of fbscope.
//!
//! ```text
//! cargo run --release --example gen-iis -- --bytes 2G --out /tmp/big.log [--seed N] \
//!     [--failure-ratio 0.002] [--fields-change-every 256M] [--rate 75] [--crlf]
//! ```
//!
//! Same arguments and seed give byte-identical output; a smaller `--bytes` gives a prefix
//! (up to the last line) of a bigger one. At the end the exact counts of what was written,
//! including the federated free/busy failure lines by kind, are printed to stderr.
//!
//! Standard library only.

use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Instant;

const USAGE: &str = "\
gen-iis: write a deterministic synthetic Exchange 2019 front-end IIS W3C log

USAGE:
    gen-iis --bytes SIZE --out PATH [OPTIONS]

OPTIONS:
    --bytes SIZE                 approximate output size (stops after the line that reaches it)
    --out PATH                   output file, or - for stdout
    --seed N                     PRNG seed (default 1); same seed and options => identical bytes
    --failure-ratio F            fraction of data lines that are free/busy failures, 0..=1
                                 (default 0.002; 1 = every data line is a failure)
    --fields-change-every SIZE   write a new header block after about SIZE bytes, alternating
                                 the default 15-field and an extended 19-field #Fields line
                                 (default 256M; 0 = one header block only)
    --rate N                     average data lines per second of log time (default 75,
                                 so a 2G file, about 6.9M lines, spans ~25 h into 2026-03-03)
    --crlf                       end lines with CRLF instead of LF
    -h, --help                   print this help

SIZE is an integer or decimal number with an optional suffix K, M, G or T (optionally
followed by B or iB). Suffixes are BINARY: K = 1024, M = 1024^2, G = 1024^3, T = 1024^4.
Timestamps start at 2026-03-02 00:00:00 (UTC), never decrease, and roll over to the next date.

Stats printed to stderr at the end (one `key: value` per line): bytes_written, lines_written
(header + data), header_lines, data_lines, header_blocks, traffic mix, fb_ok_lines (successful
free/busy requests), fb_failure_lines and one fb_failure.* line per kind with the fbscope
taxonomy id it maps to, and noise.* lines (non-free/busy lines with statuses an over-eager
analyzer could mistake for free/busy failures; they are NOT failures).
";

// ---------------------------------------------------------------------------------------------
// Options

struct Opts {
    bytes: u64,
    out: String,
    seed: u64,
    failure_ratio: f64,
    fields_change_every: u64,
    rate: f64,
    crlf: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (num, mult) = match body.as_bytes().last() {
        Some(b'k') => (&body[..body.len() - 1], 1u64 << 10),
        Some(b'm') => (&body[..body.len() - 1], 1u64 << 20),
        Some(b'g') => (&body[..body.len() - 1], 1u64 << 30),
        Some(b't') => (&body[..body.len() - 1], 1u64 << 40),
        _ => (body, 1u64),
    };
    let num = num.trim();
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(mult)
            .ok_or_else(|| format!("size too large: {s}"));
    }
    match num.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 => Ok((f * mult as f64) as u64),
        _ => Err(format!(
            "invalid size: {s:?} (expected e.g. 200M, 2G, 1.5G, 4096)"
        )),
    }
}

fn parse_args() -> Result<Opts, String> {
    let mut bytes = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut failure_ratio = 0.002f64;
    let mut fields_change_every = 256u64 << 20;
    let mut rate = 75.0f64;
    let mut crlf = false;

    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args.next().ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match key.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "--bytes" => bytes = Some(parse_size(&value("--bytes")?)?),
            "--out" => out = Some(value("--out")?),
            "--seed" => {
                let v = value("--seed")?;
                seed = v.parse().map_err(|_| format!("invalid --seed: {v:?}"))?;
            }
            "--failure-ratio" => {
                let v = value("--failure-ratio")?;
                failure_ratio = v
                    .parse()
                    .ok()
                    .filter(|f: &f64| (0.0..=1.0).contains(f))
                    .ok_or_else(|| format!("invalid --failure-ratio {v:?} (expected 0..=1)"))?;
            }
            "--fields-change-every" => {
                fields_change_every = parse_size(&value("--fields-change-every")?)?;
            }
            "--rate" => {
                let v = value("--rate")?;
                rate = v
                    .parse()
                    .ok()
                    .filter(|f: &f64| f.is_finite() && *f > 0.0)
                    .ok_or_else(|| format!("invalid --rate {v:?} (expected > 0)"))?;
            }
            "--crlf" => crlf = true,
            other => return Err(format!("unknown argument: {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Opts {
        bytes: bytes.ok_or_else(|| format!("--bytes is required\n\n{USAGE}"))?,
        out: out.ok_or_else(|| format!("--out is required\n\n{USAGE}"))?,
        seed,
        failure_ratio,
        fields_change_every,
        rate,
        crlf,
    })
}

// ---------------------------------------------------------------------------------------------
// PRNG: splitmix64 (fast, deterministic, good enough for synthetic data)

struct Rng(u64);

impl Rng {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    #[inline]
    fn range32(&mut self, lo: u32, hi: u32) -> u32 {
        self.range(u64::from(lo), u64::from(hi)) as u32
    }

    /// True with probability `per_mille / 1000`.
    #[inline]
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    #[inline]
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    #[inline]
    /// A random (version 4, RFC 4122 variant) GUID.
    fn guid(&mut self) -> u128 {
        let v = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        (v & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
    }

    /// A latency with a long tail: mostly `lo..=hi`, 3% up to 20x `hi`.
    #[inline]
    fn latency(&mut self, lo: u32, hi: u32) -> u32 {
        if self.chance(30) {
            self.range32(hi, hi.saturating_mul(20))
        } else {
            self.range32(lo, hi)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fast formatting helpers

const fn hex_table() -> [[u8; 2]; 256] {
    let digits = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [digits[i >> 4], digits[i & 15]];
        i += 1;
    }
    t
}
static HEX2: [[u8; 2]; 256] = hex_table();

const fn octet_table() -> [([u8; 3], u8); 256] {
    let mut t = [([0u8; 3], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if i < 10 {
            ([b'0' + b, 0, 0], 1)
        } else if i < 100 {
            ([b'0' + b / 10, b'0' + b % 10, 0], 2)
        } else {
            ([b'0' + b / 100, b'0' + (b / 10) % 10, b'0' + b % 10], 3)
        };
        i += 1;
    }
    t
}
static OCTETS: [([u8; 3], u8); 256] = octet_table();

#[inline]
fn put_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[inline]
fn put_ip(buf: &mut Vec<u8>, ip: u32) {
    for (i, o) in ip.to_be_bytes().iter().enumerate() {
        if i > 0 {
            buf.push(b'.');
        }
        let (d, n) = &OCTETS[*o as usize];
        buf.extend_from_slice(&d[..*n as usize]);
    }
}

fn guid_bytes(v: u128) -> [u8; 36] {
    let mut out = [0u8; 36];
    let mut j = 0;
    for (i, b) in v.to_be_bytes().iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[j] = b'-';
            j += 1;
        }
        let h = HEX2[*b as usize];
        out[j] = h[0];
        out[j + 1] = h[1];
        j += 2;
    }
    out
}

#[inline]
fn put_guid(buf: &mut Vec<u8>, v: u128) {
    buf.extend_from_slice(&guid_bytes(v));
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `n` random characters from a 64-character alphabet.
fn put_random_chars(buf: &mut Vec<u8>, rng: &mut Rng, alphabet: &[u8; 64], n: usize) {
    let mut left = n;
    while left > 0 {
        let mut r = rng.next_u64();
        let take = left.min(10);
        for _ in 0..take {
            buf.push(alphabet[(r & 63) as usize]);
            r >>= 6;
        }
        left -= take;
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Cached `YYYY-MM-DD` and `HH:MM:SS` for the current log second.
struct Clock {
    start_day: i64,
    micros: u64,
    cached_sec: u64,
    cached_day: u64,
    date: [u8; 10],
    time: [u8; 8],
}

impl Clock {
    fn new() -> Self {
        let mut c = Clock {
            start_day: days_from_civil(2026, 3, 2),
            micros: 0,
            cached_sec: u64::MAX,
            cached_day: u64::MAX,
            date: [0; 10],
            time: [0; 8],
        };
        c.refresh();
        c
    }

    #[inline]
    fn advance(&mut self, micros: u64) {
        self.micros += micros;
        if self.micros / 1_000_000 != self.cached_sec {
            self.refresh();
        }
    }

    fn refresh(&mut self) {
        let sec = self.micros / 1_000_000;
        self.cached_sec = sec;
        let day = sec / 86_400;
        if day != self.cached_day {
            self.cached_day = day;
            let (y, m, d) = civil_from_days(self.start_day + day as i64);
            let s = format!("{y:04}-{m:02}-{d:02}");
            self.date.copy_from_slice(s.as_bytes());
        }
        let sod = sec % 86_400;
        let (h, mi, s) = (sod / 3600, (sod / 60) % 60, sod % 60);
        self.time = [
            b'0' + (h / 10) as u8,
            b'0' + (h % 10) as u8,
            b':',
            b'0' + (mi / 10) as u8,
            b'0' + (mi % 10) as u8,
            b':',
            b'0' + (s / 10) as u8,
            b'0' + (s % 10) as u8,
        ];
    }
}

// ---------------------------------------------------------------------------------------------
// Field layouts

#[derive(Clone, Copy)]
enum F {
    Date,
    Time,
    SIp,
    Method,
    Stem,
    Query,
    SPort,
    User,
    CIp,
    Ua,
    Referer,
    Status,
    Substatus,
    Win32,
    TimeTaken,
    Host,
    Computer,
    ScBytes,
    CsBytes,
}

impl F {
    fn name(self) -> &'static str {
        match self {
            F::Date => "date",
            F::Time => "time",
            F::SIp => "s-ip",
            F::Method => "cs-method",
            F::Stem => "cs-uri-stem",
            F::Query => "cs-uri-query",
            F::SPort => "s-port",
            F::User => "cs-username",
            F::CIp => "c-ip",
            F::Ua => "cs(User-Agent)",
            F::Referer => "cs(Referer)",
            F::Status => "sc-status",
            F::Substatus => "sc-substatus",
            F::Win32 => "sc-win32-status",
            F::TimeTaken => "time-taken",
            F::Host => "cs-host",
            F::Computer => "s-computername",
            F::ScBytes => "sc-bytes",
            F::CsBytes => "cs-bytes",
        }
    }
}

/// The Exchange default field set (15 fields).
const DEFAULT_FIELDS: &[F] = &[
    F::Date,
    F::Time,
    F::SIp,
    F::Method,
    F::Stem,
    F::Query,
    F::SPort,
    F::User,
    F::CIp,
    F::Ua,
    F::Referer,
    F::Status,
    F::Substatus,
    F::Win32,
    F::TimeTaken,
];

/// An admin-extended field set (19 fields): s-computername moved to the front, cs-host after
/// the referer, byte counts between the status triple and time-taken.
const EXTENDED_FIELDS: &[F] = &[
    F::Date,
    F::Time,
    F::Computer,
    F::SIp,
    F::Method,
    F::Stem,
    F::Query,
    F::SPort,
    F::User,
    F::CIp,
    F::Ua,
    F::Referer,
    F::Host,
    F::Status,
    F::Substatus,
    F::Win32,
    F::ScBytes,
    F::CsBytes,
    F::TimeTaken,
];

// ---------------------------------------------------------------------------------------------
// Static vocabulary

const DOMAIN_PREFIX: &[u8] = b"CONTOSO\\";
const UPN_SUFFIX: &[u8] = b"@contoso.com";
const CORR: &[u8] = b"&CorrelationID=<empty>;&cafeReqId=";

const SERVERS: [(&[u8], u32); 4] = [
    (b"EX01", 0x0A00_010B),
    (b"EX02", 0x0A00_010C),
    (b"EX03", 0x0A00_010D),
    (b"EX04", 0x0A00_010E),
];
/// Machine accounts of servers in another AD site (cross-site proxy requesters).
const REMOTE_SITE: [(&[u8], u32); 3] = [
    (b"CONTOSO\\EX11$", 0x0A01_020B),
    (b"CONTOSO\\EX12$", 0x0A01_020C),
    (b"CONTOSO\\EX13$", 0x0A01_020D),
];

const HOST_MAIL: &[u8] = b"mail.contoso.com";
const HOST_AUTOD: &[u8] = b"autodiscover.contoso.com";
const HOST_LOCAL: &[u8] = b"localhost";

const UA_OUTLOOK: &[u8] =
    b"Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328;+Pro)";
const UA_OUTLOOK_OTHER: [&[u8]; 3] = [
    b"Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.16827;+Pro)",
    b"Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17531;+Pro)",
    b"Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.10410;+Pro)",
];
const UA_MACOUTLOOK: [&[u8]; 2] = [
    b"MacOutlook/16.83.24031120+(Intelx64+Mac+OS+X+14.3.1+(Build+23D60))",
    b"MacOutlook/16.82.24021116+(Intelx64+Mac+OS+X+13.6.4+(Build+22G513))",
];
const UA_TEAMS: &[u8] =
    b"MicrosoftNinja/1.0+Teams/1.0+(ExchangeServicesClient/0.0.0.0)+SkypeSpaces/1.0a$*+";
const UA_APPLE_EWS: &[u8] =
    b"Mac+OS+X/14.3.1+(23D60);+ExchangeWebServices/11.0+(315);+Mail/16.0+(3774.400.31)";
const UA_BROWSERS: [&[u8]; 4] = [
    b"Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/122.0.0.0+Safari/537.36+Edg/122.0.0.0",
    b"Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/122.0.0.0+Safari/537.36",
    b"Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64;+rv:123.0)+Gecko/20100101+Firefox/123.0",
    b"Mozilla/5.0+(Macintosh;+Intel+Mac+OS+X+10_15_7)+AppleWebKit/605.1.15+(KHTML,+like+Gecko)+Version/17.3.1+Safari/605.1.15",
];
const UA_AMPROBE: &[u8] = b"AMProbe/Local/ClientAccess";
const UA_LB: &[u8] = b"KEMP/1.0+(HealthCheck)";
const UA_MSRPC: &[u8] = b"MSRPC";

const UA_FB_EWS: &[u8] = b"ASProxy/CrossForest/EmailDomain//15.02.1544.004";
const UA_FB_AUTOD: &[u8] = b"ASAutoDiscover/CrossForest/EmailDomain//15.02.1544.004";
const UA_FB_CROSSSITE: &[u8] = b"ASProxy/CrossSite/Directory/EXCH/15.02.1544.004";
const UA_TESTORGREL: &[u8] = b"TestOrganizationRelationship/1.1";

const STEM_MAPI: &[u8] = b"/mapi/emsmdb/";
const STEM_NSPI: &[u8] = b"/mapi/nspi/";
const STEM_EAS: &[u8] = b"/Microsoft-Server-ActiveSync/default.eas";
const STEM_EWS: &[u8] = b"/EWS/Exchange.asmx";
const STEM_EWS_WSS: &[u8] = b"/EWS/Exchange.asmx/WSSecurity";
const STEM_AUTOD_XML: &[u8] = b"/autodiscover/autodiscover.xml";
const STEM_AUTOD_SVC: &[u8] = b"/autodiscover/autodiscover.svc";
const STEM_AUTOD_WSS: &[u8] = b"/autodiscover/autodiscover.svc/WSSecurity";
const STEM_OAB: &[u8] = b"/OAB/5b0f5c6e-3b4a-4f0e-9d1c-7a2e9c4b8f31/oab.xml";
const STEM_RPC: &[u8] = b"/rpc/rpcproxy.dll";

const HEALTH_STEMS: [&[u8]; 6] = [
    b"/owa/healthcheck.htm",
    b"/mapi/healthcheck.htm",
    b"/ecp/healthcheck.htm",
    b"/oab/healthcheck.htm",
    b"/Microsoft-Server-ActiveSync/healthcheck.htm",
    b"/Autodiscover/healthcheck.htm",
];

const OWA_ACTIONS: [&[u8]; 10] = [
    b"action=GetItem&EP=1&ID=-34&AC=1",
    b"action=FindItem&EP=1&ID=-12&AC=1",
    b"action=FindConversation&EP=1&ID=-21&AC=1",
    b"action=GetConversationItems&EP=1&ID=-40&AC=1",
    b"action=GetOwaUserConfiguration&EP=1&ID=-2&AC=1",
    b"action=GetFolderMruConfiguration&EP=1&ID=-7&AC=1",
    b"action=SubscribeToNotification&EP=1&ID=-9&AC=1",
    b"action=UpdateItem&EP=1&ID=-55&AC=1",
    b"action=CreateItem&EP=1&ID=-61&AC=1",
    b"action=GetCalendarView&EP=1&ID=-18&AC=1",
];
const OWA_STATIC: [&[u8]; 4] = [
    b"/owa/prem/15.2.1544.4/scripts/boot.worldwide.0.mouse.js",
    b"/owa/prem/15.2.1544.4/scripts/boot.worldwide.1.mouse.js",
    b"/owa/prem/15.2.1544.4/resources/styles/0/boot.worldwide.mouse.css",
    b"/owa/prem/15.2.1544.4/resources/images/0/sprite1.mouse.png",
];
const REF_OWA: &[u8] = b"https://mail.contoso.com/owa/";
const REF_ECP: &[u8] = b"https://mail.contoso.com/ecp/";

const EAS_CMDS: [&[u8]; 8] = [
    b"Ping",
    b"Sync",
    b"Sync",
    b"Ping",
    b"FolderSync",
    b"ItemOperations",
    b"GetItemEstimate",
    b"SendMail",
];
/// Base64 query prefixes as sent by iOS native mail (they encode the command code).
const EAS_B64_PREFIX: [&[u8]; 8] = [
    b"jRIJBBA", b"jAAJBBA", b"jAAJBBA", b"jRIJBBA", b"jAwJBBA", b"jBMJBBA", b"jAcJBBA", b"jAIJBBA",
];
/// (DeviceType, User-Agent, base64 query)
const DEVICES: [(&[u8], &[u8], bool); 6] = [
    (b"iPhone", b"Apple-iPhone15C2/2105.259", true),
    (b"iPhone", b"Apple-iPhone14C5/2104.2", true),
    (b"iPad", b"Apple-iPad13C2/2101.123", true),
    (b"Outlook", b"Outlook-iOS-Android/1.0", false),
    (
        b"SAMSUNGSMS918B",
        b"Android-SAMSUNG-SM-S918B/101.30000",
        false,
    ),
    (b"Android", b"Android/13-EAS-2.0", false),
];

const LAST_NAMES: &str = "\
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez \
    lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez \
    thompson white harris sanchez clark ramirez lewis robinson walker young allen king \
    wright scott torres nguyen hill flores green adams nelson baker hall rivera \
    campbell mitchell carter roberts muller schmidt schneider fischer weber meyer \
    wagner becker dubois bernard rossi russo janssen devries";

/// Public address blocks used as partner organizations / Exchange Online outbound ranges.
const PARTNER_NETS: [u32; 6] = [
    0x286B_0000, // 40.107.0.0/16
    0x285C_0000, // 40.92.0.0/16
    0x3464_0000, // 52.100.0.0/16
    0x682F_0000, // 104.47.0.0/16
    0xC633_6400, // 198.51.100.0/24 (partner org)
    0xCB00_7100, // 203.0.113.0/24 (partner org)
];
const MOBILE_NETS: [u32; 4] = [0x5DB8_0000, 0x4E2A_0000, 0xAC3A_0000, 0x2E50_0000];

// ---------------------------------------------------------------------------------------------
// Users

struct UserRec {
    name: Vec<u8>,
    mailbox: [u8; 36],
    client_id: [u8; 20],
    device_id: [u8; 32],
    device: usize,
    eas_b64: Vec<u8>,
    ip: u32,
}

fn make_users(seed: u64, n: usize) -> Vec<UserRec> {
    let mut rng = Rng(seed ^ 0x5EED_F00D_0005_E125);
    let last_names: Vec<&str> = LAST_NAMES.split_whitespace().collect();
    (0..n)
        .map(|_| {
            let mut name = Vec::with_capacity(16);
            name.push(b'a' + rng.below(26) as u8);
            name.extend_from_slice(rng.pick(&last_names).as_bytes());
            if rng.chance(300) {
                put_u64(&mut name, rng.range(1, 99));
            }
            let mut client_id = [0u8; 20];
            for c in client_id.iter_mut() {
                *c = b'A' + rng.below(26) as u8;
            }
            let mut device_id = [0u8; 32];
            for c in device_id.iter_mut() {
                *c = b"0123456789ABCDEF"[rng.below(16) as usize];
            }
            let mut eas_b64 = Vec::with_capacity(80);
            put_random_chars(&mut eas_b64, &mut rng, B64URL, 72);
            eas_b64.extend_from_slice(b"%3d%3d");
            let ip = 0x0A14_0000 | rng.range(0x0100, 0x3FFE) as u32;
            UserRec {
                name,
                mailbox: guid_bytes(rng.guid()),
                client_id,
                device_id,
                device: rng.below(DEVICES.len() as u64) as usize,
                eas_b64,
                ip,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// One request

#[derive(Clone, Copy)]
enum UserRef {
    Anon,
    Domain(u32),
    Upn(u32),
    Lit(&'static [u8]),
}

#[derive(Clone, Copy)]
enum Query {
    /// `&CorrelationID=<empty>;&cafeReqId=<guid>;`
    Plain,
    /// `<prefix>&CorrelationID=...`
    Prefix(&'static [u8]),
    /// `mailboxId=<guid>@contoso.com&CorrelationID=<empty>;&ClientId=...&cafeReqId=...;`
    Mapi(u32),
    /// ActiveSync, plain or base64 form.
    Eas(u32, usize),
    /// OWA notification channel (`ev.owa2`) with a canary.
    OwaEv(u128),
    /// OWA logon redirect target.
    OwaLogon,
    /// RPC over HTTP target.
    Rpc(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mapi,
    Eas,
    Ews,
    Owa,
    Autod,
    Health,
    FbOk,
    Other,
    Fail(Fail),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fail {
    Wss401,
    Wss500,
    Unavail503,
    Forbidden403,
    Autod404,
    Win32Err64,
}

const FAILS: [(Fail, &str, &str); 6] = [
    (
        Fail::Wss401,
        "401_wssecurity",
        "wssecurity-4xx: 401 0 0 on a WSSecurity stem",
    ),
    (
        Fail::Wss500,
        "500_wssecurity",
        "wssecurity-500: 500 0 0 on a WSSecurity stem",
    ),
    (
        Fail::Unavail503,
        "503_stems",
        "service-unavailable: 503 0 0 on a free/busy stem",
    ),
    (
        Fail::Forbidden403,
        "403_ews_crosssite",
        "ews-forbidden: 403 0 0 on /EWS/Exchange.asmx from ASProxy/CrossSite",
    ),
    (
        Fail::Autod404,
        "404_autodiscover_svc",
        "autodiscover-failed: 404 0 0 on /autodiscover/autodiscover.svc from ASAutoDiscover",
    ),
    (
        Fail::Win32Err64,
        "200_0_64_wssecurity",
        "200 0 64 (client connection dropped) on /EWS/Exchange.asmx/WSSecurity from ASProxy; \
         taxonomy: connection-reset or unclassified",
    ),
];

struct Req {
    kind: Kind,
    server: usize,
    method: &'static [u8],
    stem: &'static [u8],
    query: Query,
    user: UserRef,
    c_ip: u32,
    ua: &'static [u8],
    referer: &'static [u8],
    host: &'static [u8],
    status: u16,
    substatus: u16,
    win32: u32,
    time_taken: u32,
    sc_bytes: u32,
    cs_bytes: u32,
    cafe: u128,
}

impl Req {
    fn new(kind: Kind, server: usize, cafe: u128) -> Self {
        Req {
            kind,
            server,
            method: b"POST",
            stem: STEM_EWS,
            query: Query::Plain,
            user: UserRef::Anon,
            c_ip: 0,
            ua: b"-",
            referer: b"-",
            host: HOST_MAIL,
            status: 200,
            substatus: 0,
            win32: 0,
            time_taken: 0,
            sc_bytes: 0,
            cs_bytes: 0,
            cafe,
        }
    }

    fn set_status(&mut self, status: u16, substatus: u16, win32: u32) {
        self.status = status;
        self.substatus = substatus;
        self.win32 = win32;
    }
}

/// Statistics of what was written (exact, for benchmark verification).
#[derive(Default)]
struct Stats {
    bytes: u64,
    header_lines: u64,
    header_bytes: u64,
    data_lines: u64,
    blocks_default: u64,
    blocks_extended: u64,
    kinds: [u64; 8],
    fails: [u64; 6],
    fail_ews_wss: u64,
    fail_autod_wss: u64,
    fail_ews_plain: u64,
    fail_autod_plain: u64,
    noise_401_client_on_fb_stem: u64,
    noise_5xx_non_fb: u64,
    noise_win32_64_non_fb: u64,
}

struct Gen {
    rng: Rng,
    users: Vec<UserRec>,
    clock: Clock,
    fail_threshold: u64,
    always_fail: bool,
    mean_step2: u64,
    eol: &'static [u8],
    stats: Stats,
}

fn random_in_net(rng: &mut Rng, nets: &[u32]) -> u32 {
    let net = rng.pick(nets);
    if net & 0xFFFF == 0 {
        net | rng.range(0x0101, 0xFFFE) as u32
    } else {
        net | rng.range(1, 254) as u32
    }
}

impl Gen {
    fn user_idx(&mut self) -> u32 {
        // Skewed: a quarter of the users make half of the traffic.
        let n = self.users.len() as u64;
        if self.rng.chance(500) {
            self.rng.below(n / 4) as u32
        } else {
            self.rng.below(n) as u32
        }
    }

    fn auth_user(&mut self, idx: u32) -> UserRef {
        if self.rng.chance(600) {
            UserRef::Domain(idx)
        } else {
            UserRef::Upn(idx)
        }
    }

    /// A normal Negotiate/NTLM/Basic challenge: status 401, anonymous.
    fn challenge(&mut self, r: &mut Req) {
        r.user = UserRef::Anon;
        match self.rng.below(3) {
            0 => r.set_status(401, 0, 0),
            1 => r.set_status(401, 1, 2_148_074_254),
            _ => r.set_status(401, 2, 5),
        }
        r.time_taken = self.rng.range32(0, 15);
        r.sc_bytes = self.rng.range32(300, 1200);
    }

    fn next_req(&mut self) -> Req {
        let server = self.rng.below(SERVERS.len() as u64) as usize;
        let cafe = self.rng.guid();
        let fail = self.always_fail || self.rng.next_u64() < self.fail_threshold;
        if fail {
            return self.fail_req(server, cafe);
        }
        let roll = self.rng.below(1000);
        match roll {
            0..=349 => self.mapi(server, cafe),
            350..=549 => self.eas(server, cafe),
            550..=699 => self.ews(server, cafe),
            700..=799 => self.owa(server, cafe),
            800..=879 => self.autod(server, cafe),
            880..=929 => self.health(server, cafe),
            930..=979 => self.fb_ok(server, cafe),
            _ => self.other(server, cafe),
        }
    }

    fn mapi(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Mapi, server, cafe);
        let u = self.user_idx();
        r.stem = if self.rng.chance(880) {
            STEM_MAPI
        } else {
            STEM_NSPI
        };
        r.query = Query::Mapi(u);
        r.c_ip = self.users[u as usize].ip;
        r.ua = if self.rng.chance(700) {
            UA_OUTLOOK
        } else {
            self.rng.pick(&UA_OUTLOOK_OTHER)
        };
        r.cs_bytes = self.rng.range32(400, 6000);
        let roll = self.rng.below(1000);
        if roll < 50 {
            self.challenge(&mut r);
        } else {
            r.user = self.auth_user(u);
            r.time_taken = self.rng.latency(2, 180);
            r.sc_bytes = self.rng.range32(600, 40_000);
            if roll < 52 {
                r.set_status(500, 0, 0);
                self.stats.noise_5xx_non_fb += 1;
            } else if roll < 57 {
                r.set_status(200, 0, 64);
                self.stats.noise_win32_64_non_fb += 1;
            } else if roll < 60 {
                r.set_status(200, 0, 1236);
            }
        }
        r
    }

    fn eas(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Eas, server, cafe);
        let u = self.user_idx();
        let dev = self.users[u as usize].device;
        r.stem = STEM_EAS;
        r.ua = DEVICES[dev].1;
        r.c_ip = random_in_net(&mut self.rng, &MOBILE_NETS);
        if self.rng.chance(80) {
            r.method = b"OPTIONS";
            r.query = Query::Plain;
            r.user = self.auth_user(u);
            r.time_taken = self.rng.range32(1, 30);
            r.sc_bytes = self.rng.range32(400, 700);
            r.cs_bytes = self.rng.range32(300, 600);
            return r;
        }
        let cmd = self.rng.below(EAS_CMDS.len() as u64) as usize;
        r.query = Query::Eas(u, cmd);
        r.cs_bytes = self.rng.range32(300, 4000);
        let roll = self.rng.below(1000);
        if roll < 40 {
            self.challenge(&mut r);
            return r;
        }
        r.user = UserRef::Domain(u);
        r.sc_bytes = self.rng.range32(200, 60_000);
        r.time_taken = if EAS_CMDS[cmd] == b"Ping" {
            self.rng.range32(60_000, 1_740_000)
        } else {
            self.rng.latency(15, 900)
        };
        if roll < 45 {
            r.set_status(200, 0, 64);
            self.stats.noise_win32_64_non_fb += 1;
        } else if roll < 47 {
            r.set_status(503, 0, 0);
            self.stats.noise_5xx_non_fb += 1;
        } else if roll < 50 {
            r.set_status(449, 0, 0);
        }
        r
    }

    fn ews(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Ews, server, cafe);
        let u = self.user_idx();
        r.stem = STEM_EWS;
        r.c_ip = self.users[u as usize].ip;
        r.ua = match self.rng.below(10) {
            0..=3 => UA_OUTLOOK,
            4 | 5 => self.rng.pick(&UA_MACOUTLOOK),
            6 | 7 => UA_TEAMS,
            8 => UA_APPLE_EWS,
            _ => self.rng.pick(&UA_OUTLOOK_OTHER),
        };
        r.cs_bytes = self.rng.range32(700, 5000);
        if self.rng.chance(100) {
            self.challenge(&mut r);
            self.stats.noise_401_client_on_fb_stem += 1;
        } else {
            r.user = self.auth_user(u);
            r.time_taken = self.rng.latency(8, 400);
            r.sc_bytes = self.rng.range32(800, 90_000);
        }
        r
    }

    fn owa(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Owa, server, cafe);
        let u = self.user_idx();
        r.c_ip = if self.rng.chance(600) {
            self.users[u as usize].ip
        } else {
            random_in_net(&mut self.rng, &MOBILE_NETS)
        };
        r.ua = self.rng.pick(&UA_BROWSERS);
        r.referer = REF_OWA;
        r.cs_bytes = self.rng.range32(500, 3000);
        r.sc_bytes = self.rng.range32(500, 30_000);
        r.user = self.auth_user(u);
        r.time_taken = self.rng.latency(5, 250);
        match self.rng.below(100) {
            0..=39 => {
                r.stem = b"/owa/service.svc";
                r.query = Query::Prefix(self.rng.pick(&OWA_ACTIONS));
                if self.rng.chance(40) {
                    r.user = UserRef::Anon;
                    r.set_status(440, 0, 0);
                } else if self.rng.chance(3) {
                    r.set_status(500, 0, 0);
                    self.stats.noise_5xx_non_fb += 1;
                }
            }
            40..=54 => {
                r.stem = b"/owa/ev.owa2";
                r.query = Query::OwaEv(self.rng.guid());
                r.time_taken = self.rng.range32(1_000, 120_000);
            }
            55..=69 => {
                r.method = b"GET";
                r.stem = self.rng.pick(&OWA_STATIC);
                r.time_taken = self.rng.range32(0, 20);
                if self.rng.chance(500) {
                    r.set_status(304, 0, 0);
                }
            }
            70..=79 => {
                r.method = b"GET";
                r.stem = b"/owa/";
                r.user = UserRef::Anon;
                r.referer = b"-";
                r.set_status(302, 0, 0);
                r.time_taken = self.rng.range32(0, 10);
            }
            80..=89 => {
                r.method = b"GET";
                r.stem = b"/owa/auth/logon.aspx";
                r.query = Query::OwaLogon;
                r.user = UserRef::Anon;
                r.referer = b"-";
                r.time_taken = self.rng.range32(2, 40);
            }
            _ => {
                r.stem = b"/owa/auth.owa";
                r.set_status(302, 0, 0);
                r.referer = b"https://mail.contoso.com/owa/auth/logon.aspx?replaceCurrent=1&url=https%3a%2f%2fmail.contoso.com%2fowa%2f";
                r.time_taken = self.rng.range32(20, 300);
            }
        }
        r
    }

    fn autod(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Autod, server, cafe);
        let u = self.user_idx();
        r.host = HOST_AUTOD;
        r.c_ip = self.users[u as usize].ip;
        let mac = self.rng.chance(300);
        r.ua = if mac {
            self.rng.pick(&UA_MACOUTLOOK)
        } else {
            UA_OUTLOOK
        };
        r.stem = if self.rng.chance(if mac { 600 } else { 150 }) {
            STEM_AUTOD_SVC
        } else {
            STEM_AUTOD_XML
        };
        r.cs_bytes = self.rng.range32(500, 1800);
        if self.rng.chance(250) {
            self.challenge(&mut r);
            self.stats.noise_401_client_on_fb_stem += 1;
        } else {
            r.user = self.auth_user(u);
            r.time_taken = self.rng.latency(10, 300);
            r.sc_bytes = self.rng.range32(2_000, 12_000);
        }
        r
    }

    fn health(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Health, server, cafe);
        r.method = b"GET";
        r.stem = self.rng.pick(&HEALTH_STEMS);
        if self.rng.chance(500) {
            r.ua = UA_AMPROBE;
            r.c_ip = SERVERS[server].1;
            r.host = HOST_LOCAL;
        } else {
            r.ua = UA_LB;
            r.c_ip = 0x0A00_0002 + self.rng.below(2) as u32;
        }
        r.time_taken = self.rng.range32(0, 8);
        r.sc_bytes = self.rng.range32(280, 320);
        r.cs_bytes = self.rng.range32(150, 260);
        r
    }

    fn fb_partner(&mut self, r: &mut Req, ews: bool) {
        r.c_ip = random_in_net(&mut self.rng, &PARTNER_NETS);
        if ews {
            r.stem = STEM_EWS_WSS;
            r.ua = UA_FB_EWS;
            r.cs_bytes = self.rng.range32(6_000, 9_500);
            r.sc_bytes = self.rng.range32(1_500, 12_000);
        } else {
            r.stem = STEM_AUTOD_WSS;
            r.ua = UA_FB_AUTOD;
            r.host = HOST_AUTOD;
            r.cs_bytes = self.rng.range32(5_000, 8_000);
            r.sc_bytes = self.rng.range32(1_800, 3_500);
        }
    }

    fn fb_cross_site(&mut self, r: &mut Req) {
        let (acct, ip) = self.rng.pick(&REMOTE_SITE);
        r.stem = STEM_EWS;
        r.ua = UA_FB_CROSSSITE;
        r.user = UserRef::Lit(acct);
        r.c_ip = ip;
        r.cs_bytes = self.rng.range32(1_500, 4_000);
        r.sc_bytes = self.rng.range32(1_000, 9_000);
    }

    fn fb_autod_plain(&mut self, r: &mut Req) {
        r.stem = STEM_AUTOD_SVC;
        r.ua = UA_FB_AUTOD;
        r.host = HOST_AUTOD;
        r.c_ip = random_in_net(&mut self.rng, &PARTNER_NETS);
        r.cs_bytes = self.rng.range32(1_200, 2_500);
        r.sc_bytes = self.rng.range32(1_500, 4_000);
    }

    fn fb_ok(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::FbOk, server, cafe);
        r.time_taken = self.rng.latency(20, 700);
        match self.rng.below(100) {
            0..=44 => self.fb_partner(&mut r, true),
            45..=74 => self.fb_partner(&mut r, false),
            75..=86 => self.fb_cross_site(&mut r),
            87..=94 => self.fb_autod_plain(&mut r),
            _ => {
                self.fb_partner(&mut r, false);
                r.ua = UA_TESTORGREL;
            }
        }
        r
    }

    fn other(&mut self, server: usize, cafe: u128) -> Req {
        let mut r = Req::new(Kind::Other, server, cafe);
        let u = self.user_idx();
        r.c_ip = self.users[u as usize].ip;
        r.user = self.auth_user(u);
        match self.rng.below(3) {
            0 => {
                r.method = b"GET";
                r.stem = STEM_OAB;
                r.ua = UA_OUTLOOK;
                r.time_taken = self.rng.range32(2, 60);
                r.sc_bytes = self.rng.range32(900, 1_500);
                r.cs_bytes = self.rng.range32(400, 900);
                if self.rng.chance(200) {
                    self.challenge(&mut r);
                }
            }
            1 => {
                r.method = b"GET";
                r.stem = b"/ecp/";
                r.query = Query::Prefix(b"ExchClientVer=15.2.1544.4");
                r.ua = self.rng.pick(&UA_BROWSERS);
                r.referer = REF_ECP;
                r.time_taken = self.rng.latency(30, 600);
                r.sc_bytes = self.rng.range32(5_000, 60_000);
                r.cs_bytes = self.rng.range32(600, 2_000);
            }
            _ => {
                r.method = if self.rng.chance(500) {
                    b"RPC_IN_DATA"
                } else {
                    b"RPC_OUT_DATA"
                };
                r.stem = STEM_RPC;
                r.query = Query::Rpc(self.rng.below(SERVERS.len() as u64) as usize);
                r.ua = UA_MSRPC;
                r.time_taken = self.rng.range32(1_000, 900_000);
                r.sc_bytes = self.rng.range32(200, 90_000);
                r.cs_bytes = self.rng.range32(200, 90_000);
            }
        }
        r
    }

    fn fail_req(&mut self, server: usize, cafe: u128) -> Req {
        let roll = self.rng.below(100);
        let f = match roll {
            0..=29 => Fail::Wss401,
            30..=49 => Fail::Wss500,
            50..=64 => Fail::Unavail503,
            65..=74 => Fail::Forbidden403,
            75..=89 => Fail::Autod404,
            _ => Fail::Win32Err64,
        };
        let mut r = Req::new(Kind::Fail(f), server, cafe);
        match f {
            Fail::Wss401 | Fail::Wss500 => {
                let ews = self.rng.chance(600);
                self.fb_partner(&mut r, ews);
                if f == Fail::Wss401 {
                    r.set_status(401, 0, 0);
                    r.time_taken = self.rng.range32(0, 40);
                    r.sc_bytes = self.rng.range32(300, 600);
                } else {
                    r.set_status(500, 0, 0);
                    r.time_taken = self.rng.latency(15, 1_500);
                    r.sc_bytes = self.rng.range32(400, 1_200);
                }
            }
            Fail::Unavail503 => {
                match self.rng.below(10) {
                    0..=3 => self.fb_partner(&mut r, true),
                    4..=6 => self.fb_partner(&mut r, false),
                    7 | 8 => self.fb_cross_site(&mut r),
                    _ => self.fb_autod_plain(&mut r),
                }
                r.set_status(503, 0, 0);
                r.time_taken = self.rng.range32(0, 30);
                r.sc_bytes = self.rng.range32(300, 500);
            }
            Fail::Forbidden403 => {
                self.fb_cross_site(&mut r);
                r.set_status(403, 0, 0);
                r.time_taken = self.rng.range32(5, 80);
                r.sc_bytes = self.rng.range32(400, 900);
            }
            Fail::Autod404 => {
                self.fb_autod_plain(&mut r);
                r.set_status(404, 0, 0);
                r.time_taken = self.rng.range32(1, 30);
                r.sc_bytes = self.rng.range32(1_200, 1_400);
            }
            Fail::Win32Err64 => {
                self.fb_partner(&mut r, true);
                r.set_status(200, 0, 64);
                r.time_taken = self.rng.range32(30_000, 120_000);
                r.sc_bytes = 0;
            }
        }
        r
    }

    fn count(&mut self, r: &Req) {
        let s = &mut self.stats;
        s.data_lines += 1;
        match r.kind {
            Kind::Fail(f) => {
                let i = FAILS.iter().position(|(k, _, _)| *k == f).unwrap_or(0);
                s.fails[i] += 1;
                match r.stem {
                    STEM_EWS_WSS => s.fail_ews_wss += 1,
                    STEM_AUTOD_WSS => s.fail_autod_wss += 1,
                    STEM_EWS => s.fail_ews_plain += 1,
                    _ => s.fail_autod_plain += 1,
                }
            }
            k => {
                let i = match k {
                    Kind::Mapi => 0,
                    Kind::Eas => 1,
                    Kind::Ews => 2,
                    Kind::Owa => 3,
                    Kind::Autod => 4,
                    Kind::Health => 5,
                    Kind::FbOk => 6,
                    _ => 7,
                };
                s.kinds[i] += 1;
            }
        }
    }

    fn write_user(&self, buf: &mut Vec<u8>, u: UserRef) {
        match u {
            UserRef::Anon => buf.push(b'-'),
            UserRef::Domain(i) => {
                buf.extend_from_slice(DOMAIN_PREFIX);
                buf.extend_from_slice(&self.users[i as usize].name);
            }
            UserRef::Upn(i) => {
                buf.extend_from_slice(&self.users[i as usize].name);
                buf.extend_from_slice(UPN_SUFFIX);
            }
            UserRef::Lit(s) => buf.extend_from_slice(s),
        }
    }

    fn write_query(&mut self, buf: &mut Vec<u8>, r: &Req) {
        match r.query {
            Query::Plain => {}
            Query::Prefix(p) => buf.extend_from_slice(p),
            Query::Mapi(u) => {
                let user = &self.users[u as usize];
                buf.extend_from_slice(b"mailboxId=");
                buf.extend_from_slice(&user.mailbox);
                buf.extend_from_slice(UPN_SUFFIX);
                buf.extend_from_slice(b"&CorrelationID=<empty>;&ClientId=");
                buf.extend_from_slice(&user.client_id);
                buf.extend_from_slice(b"&cafeReqId=");
                put_guid(buf, r.cafe);
                buf.push(b';');
                return;
            }
            Query::Eas(u, cmd) => {
                let user = &self.users[u as usize];
                let (dtype, _, b64) = DEVICES[user.device];
                if b64 {
                    buf.extend_from_slice(EAS_B64_PREFIX[cmd]);
                    buf.extend_from_slice(&user.eas_b64);
                } else {
                    buf.extend_from_slice(b"Cmd=");
                    buf.extend_from_slice(EAS_CMDS[cmd]);
                    buf.extend_from_slice(b"&User=");
                    buf.extend_from_slice(&user.name);
                    buf.extend_from_slice(b"%40contoso.com&DeviceId=");
                    buf.extend_from_slice(&user.device_id);
                    buf.extend_from_slice(b"&DeviceType=");
                    buf.extend_from_slice(dtype);
                }
            }
            Query::OwaEv(cid) => {
                buf.extend_from_slice(b"ns=PendingRequest&ev=PendingNotificationRequest&UA=0&cid=");
                put_guid(buf, cid);
                buf.extend_from_slice(b"&X-OWA-CANARY=");
                put_random_chars(buf, &mut self.rng, B64URL, 76);
                buf.push(b'.');
            }
            Query::OwaLogon => {
                buf.extend_from_slice(b"url=https%3a%2f%2fmail.contoso.com%2fowa%2f&reason=0")
            }
            Query::Rpc(s) => {
                buf.extend_from_slice(SERVERS[s].0);
                buf.extend_from_slice(b".contoso.com:6001");
            }
        }
        buf.extend_from_slice(CORR);
        put_guid(buf, r.cafe);
        buf.push(b';');
    }

    fn write_line(&mut self, buf: &mut Vec<u8>, r: &Req, layout: &[F]) {
        for (i, f) in layout.iter().enumerate() {
            if i > 0 {
                buf.push(b' ');
            }
            match f {
                F::Date => buf.extend_from_slice(&self.clock.date),
                F::Time => buf.extend_from_slice(&self.clock.time),
                F::SIp => put_ip(buf, SERVERS[r.server].1),
                F::Method => buf.extend_from_slice(r.method),
                F::Stem => buf.extend_from_slice(r.stem),
                F::Query => self.write_query(buf, r),
                F::SPort => buf.extend_from_slice(b"443"),
                F::User => self.write_user(buf, r.user),
                F::CIp => put_ip(buf, r.c_ip),
                F::Ua => buf.extend_from_slice(r.ua),
                F::Referer => buf.extend_from_slice(r.referer),
                F::Status => put_u64(buf, u64::from(r.status)),
                F::Substatus => put_u64(buf, u64::from(r.substatus)),
                F::Win32 => put_u64(buf, u64::from(r.win32)),
                F::TimeTaken => put_u64(buf, u64::from(r.time_taken)),
                F::Host => buf.extend_from_slice(r.host),
                F::Computer => buf.extend_from_slice(SERVERS[r.server].0),
                F::ScBytes => put_u64(buf, u64::from(r.sc_bytes)),
                F::CsBytes => put_u64(buf, u64::from(r.cs_bytes)),
            }
        }
        buf.extend_from_slice(self.eol);
    }

    fn write_header(&mut self, buf: &mut Vec<u8>, layout: &[F]) {
        let eol = self.eol;
        let start = buf.len();
        buf.extend_from_slice(b"#Software: Microsoft Internet Information Services 10.0");
        buf.extend_from_slice(eol);
        buf.extend_from_slice(b"#Version: 1.0");
        buf.extend_from_slice(eol);
        buf.extend_from_slice(b"#Date: ");
        buf.extend_from_slice(&self.clock.date);
        buf.push(b' ');
        buf.extend_from_slice(&self.clock.time);
        buf.extend_from_slice(eol);
        buf.extend_from_slice(b"#Fields:");
        for f in layout {
            buf.push(b' ');
            buf.extend_from_slice(f.name().as_bytes());
        }
        buf.extend_from_slice(eol);
        self.stats.header_lines += 4;
        self.stats.header_bytes += (buf.len() - start) as u64;
    }
}

// ---------------------------------------------------------------------------------------------
// Main loop

const FLUSH_AT: usize = 8 << 20;

/// Writes filled buffers on a second thread (so generation overlaps the kernel's copy into
/// the page cache) and hands the emptied buffers back for reuse.
struct Writer {
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Writer {
    fn new(mut sink: Box<dyn Write + Send>) -> Self {
        let (full_tx, full_rx) = sync_channel::<Vec<u8>>(2);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        let thread = std::thread::spawn(move || -> io::Result<()> {
            for mut buf in full_rx {
                sink.write_all(&buf)?;
                buf.clear();
                // The generator may already be gone; then the buffer is simply dropped.
                let _ = empty_tx.send(buf);
            }
            sink.flush()
        });
        Writer {
            full: Some(full_tx),
            empty: empty_rx,
            thread: Some(thread),
        }
    }

    /// Queues `buf` for writing and leaves an empty buffer in its place.
    fn swap(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(buf.capacity()));
        let full = std::mem::replace(buf, next);
        let sent = match &self.full {
            Some(tx) => tx.send(full).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The writer thread stopped early: report its error.
        self.finish()?;
        Err(io::Error::other("writer thread stopped"))
    }

    /// Waits until everything queued is written and flushed.
    fn finish(&mut self) -> io::Result<()> {
        drop(self.full.take());
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("writer panicked"))),
            None => Ok(()),
        }
    }
}

fn run(opts: &Opts) -> io::Result<Stats> {
    let sink: Box<dyn Write + Send> = if opts.out == "-" {
        Box::new(io::stdout())
    } else {
        Box::new(File::create(&opts.out)?)
    };
    let mut writer = Writer::new(sink);

    let fail_threshold = if opts.failure_ratio >= 1.0 {
        u64::MAX
    } else {
        (opts.failure_ratio * 18_446_744_073_709_551_616.0) as u64
    };
    let mut g = Gen {
        rng: Rng(opts.seed),
        users: make_users(opts.seed, 5_000),
        clock: Clock::new(),
        fail_threshold,
        always_fail: opts.failure_ratio >= 1.0,
        // Uniform step in 0..mean_step2 microseconds averages 1/rate seconds.
        mean_step2: ((2_000_000.0 / opts.rate) as u64).max(1),
        eol: if opts.crlf { b"\r\n" } else { b"\n" },
        stats: Stats::default(),
    };

    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + (64 << 10));
    let mut written: u64 = 0;
    let mut since_header: u64 = 0;
    let mut extended = false;

    g.write_header(&mut buf, DEFAULT_FIELDS);
    g.stats.blocks_default += 1;
    let mut layout = DEFAULT_FIELDS;

    while written + (buf.len() as u64) < opts.bytes {
        let before = buf.len();
        if opts.fields_change_every > 0 && since_header >= opts.fields_change_every {
            extended = !extended;
            layout = if extended {
                g.stats.blocks_extended += 1;
                EXTENDED_FIELDS
            } else {
                g.stats.blocks_default += 1;
                DEFAULT_FIELDS
            };
            since_header = 0;
            g.write_header(&mut buf, layout);
        }
        let step = g.rng.below(g.mean_step2);
        g.clock.advance(step);
        let r = g.next_req();
        g.count(&r);
        g.write_line(&mut buf, &r, layout);
        since_header += (buf.len() - before) as u64;
        if buf.len() >= FLUSH_AT {
            written += buf.len() as u64;
            writer.swap(&mut buf)?;
        }
    }
    written += buf.len() as u64;
    writer.swap(&mut buf)?;
    writer.finish()?;
    g.stats.bytes = written;
    Ok(g.stats)
}

fn report(opts: &Opts, s: &Stats, secs: f64) {
    let mut e = String::new();
    let mut kv = |k: &str, v: String| {
        e.push_str(k);
        e.push_str(": ");
        e.push_str(&v);
        e.push('\n');
    };
    kv(
        "elapsed_seconds",
        format!(
            "{secs:.2} ({:.1} MiB/s)",
            s.bytes as f64 / (1u64 << 20) as f64 / secs.max(1e-9)
        ),
    );
    kv("out", opts.out.clone());
    kv(
        "seed",
        format!("{} (failure_ratio {})", opts.seed, opts.failure_ratio),
    );
    kv("bytes_written", s.bytes.to_string());
    kv("lines_written", (s.header_lines + s.data_lines).to_string());
    kv("header_lines", s.header_lines.to_string());
    kv("data_lines", s.data_lines.to_string());
    kv(
        "header_blocks",
        format!(
            "{} (default 15-field: {}, extended 19-field: {})",
            s.blocks_default + s.blocks_extended,
            s.blocks_default,
            s.blocks_extended
        ),
    );
    if s.data_lines > 0 {
        kv(
            "avg_data_line_bytes",
            format!(
                "{:.1}",
                (s.bytes - s.header_bytes) as f64 / s.data_lines as f64
            ),
        );
    }
    let names = [
        "mapi",
        "activesync",
        "ews_clients",
        "owa",
        "autodiscover_clients",
        "health",
        "fb_ok",
        "other",
    ];
    for (n, c) in names.iter().zip(s.kinds.iter()) {
        if *n == "fb_ok" {
            continue;
        }
        kv(&format!("mix.{n}"), c.to_string());
    }
    kv(
        "fb_ok_lines",
        format!("{} (free/busy requests answered 200 0 0)", s.kinds[6]),
    );
    let total: u64 = s.fails.iter().sum();
    kv("fb_failure_lines", total.to_string());
    for ((_, name, what), c) in FAILS.iter().zip(s.fails.iter()) {
        kv(&format!("fb_failure.{name}"), format!("{c} [{what}]"));
    }
    kv(
        "fb_failure_by_stem",
        format!(
            "/EWS/Exchange.asmx/WSSecurity={} /autodiscover/autodiscover.svc/WSSecurity={} \
             /EWS/Exchange.asmx={} /autodiscover/autodiscover.svc={}",
            s.fail_ews_wss, s.fail_autod_wss, s.fail_ews_plain, s.fail_autod_plain
        ),
    );
    kv(
        "noise.401_clients_on_ews_autodiscover",
        format!(
            "{} (Outlook/Mac/Teams auth challenges, not free/busy)",
            s.noise_401_client_on_fb_stem
        ),
    );
    kv(
        "noise.5xx_non_fb",
        format!("{} (500/503 on MAPI, ActiveSync, OWA)", s.noise_5xx_non_fb),
    );
    kv(
        "noise.200_0_64_non_fb",
        format!("{} (MAPI, ActiveSync)", s.noise_win32_64_non_fb),
    );
    eprint!("{e}");
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("gen-iis: {e}");
            return ExitCode::from(2);
        }
    };
    let t0 = Instant::now();
    match run(&opts) {
        Ok(stats) => {
            report(&opts, &stats, t0.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-iis: writing {}: {e}", opts.out);
            ExitCode::FAILURE
        }
    }
}
