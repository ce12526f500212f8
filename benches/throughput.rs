//! Criterion benchmark of the W3C hot loop (`scan_chunk` + candidate scan + classification)
//! on an in-memory chunk of realistic Exchange front-end lines. The end-to-end figure (files,
//! threads, memory) comes from `cargo run --release --example bench-iis`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use fbscope::classify::freebusy::CandidateFinder;
use fbscope::classify::web::WebSink;
use fbscope::classify::Classifier;
use fbscope::config::Filter;
use fbscope::grammar::Grammar;
use fbscope::parse::w3c::header::HeaderState;
use fbscope::parse::w3c::layout::FieldLayout;
use fbscope::parse::w3c::scan::scan_chunk;

const LINES: [&str; 6] = [
    "2026-03-02 09:12:44 10.0.1.11 POST /mapi/emsmdb/ mailboxId=4ec1a5b0-5b4c-4a0e-9b0f-7d1c4d7f2a10@contoso.com&CorrelationID=<empty>;&cafeReqId=0c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2b11; 443 CONTOSO\\jsmith 203.0.113.7 Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328;+Pro) - 200 0 0 31",
    "2026-03-02 09:12:44 10.0.1.11 POST /Microsoft-Server-ActiveSync/default.eas Cmd=Ping&User=jsmith%40contoso.com&DeviceId=0080E242D1D87A6E39B46092&DeviceType=iPhone&CorrelationID=<empty>;&cafeReqId=4001872b-577b-4ff3-86d5-eb17e07da6d0; 443 jsmith@contoso.com 203.0.113.45 Apple-iPhone15C2/2101.123 - 200 0 0 480012",
    "2026-03-02 09:12:45 10.0.1.11 POST /EWS/Exchange.asmx &CorrelationID=<empty>;&cafeReqId=8a1b2c3d-61d5-4b1a-8e53-5c2d3f0a2b11; 443 CONTOSO\\jsmith 203.0.113.7 Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328;+Pro) - 401 1 2148074254 3",
    "2026-03-02 09:12:45 10.0.1.11 GET /owa/ &CorrelationID=<empty>;&cafeReqId=9b1b2c3d-61d5-4b1a-8e53-5c2d3f0a2b11; 443 - 198.51.100.23 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/122.0.0.0+Safari/537.36 - 302 0 0 2",
    "2026-03-02 09:12:46 10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity &CorrelationID=<empty>;&cafeReqId=1c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2b11; 443 - 40.92.4.77 ASProxy/CrossForest/EmailDomain//15.02.1544.004 - 200 0 0 46",
    "2026-03-02 09:12:47 10.0.1.11 POST /EWS/Exchange.asmx/WSSecurity &CorrelationID=<empty>;&cafeReqId=2c6a0bb4-61d5-4b1a-8e53-5c2d3f0a2b11; 443 - 40.92.4.77 ASProxy/CrossForest/EmailDomain//15.02.1544.004 - 401 0 0 15",
];

fn chunk(bytes: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(bytes + 512);
    let mut i = 0usize;
    while buf.len() < bytes {
        // Mostly ordinary traffic; one free/busy line in twenty.
        let line = match i % 20 {
            0 => LINES[4],
            10 => LINES[5],
            n => LINES[n % 4],
        };
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        i += 1;
    }
    buf
}

fn bench_scan(c: &mut Criterion) {
    let grammar = Grammar::embedded().expect("shipped grammars");
    let classifier = Classifier::new(&grammar);
    let finder = CandidateFinder::new();
    let filter = Filter::default();
    let buf = chunk(16 << 20);
    let server = fbscope::host::HostId::resolve("EXCH01");
    let mut group = c.benchmark_group("w3c");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.sample_size(20);
    group.bench_function("scan_chunk_16MiB", |b| {
        b.iter(|| {
            let mut header = HeaderState::initial(FieldLayout::exchange_default());
            header.assumed = false;
            let mut sink = WebSink {
                classifier: &classifier,
                filter: &filter,
                input: 0,
                server: &server,
                names: Default::default(),
                site: "W3SVC1",
                httperr: false,
                findings: Vec::new(),
                traffic: Default::default(),
                undated: Default::default(),
            };
            let out = scan_chunk(&buf, header, finder.find_iter(&buf), &mut sink);
            assert!(out.tally.is_balanced());
            sink.findings.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
