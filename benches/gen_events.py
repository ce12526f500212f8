"""Writes a synthetic event-log export for benchmarking the event parsers.

usage: python3 benches/gen_events.py {csv|xml|pscsv|clixml} OUT SIZE_MIB
Deterministic (seeded); mostly ordinary events with MSExchange Availability 4002s among them.
Then: cargo run --release --example bench-events -- FORMAT OUT
"""
import sys, random
random.seed(1)
kind, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3]) << 20
msg = ("Process 5464: ProxyWebRequest FederatedCrossForest from S-1-5-21-1004336348-1177238915-682003330-512 to "
       "https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity failed. Caller SIDs: WSSecurity. The exception returned is "
       "Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: System.Net.WebException: "
       "The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel. ---> "
       "System.Security.Authentication.AuthenticationException: The remote certificate is invalid according to the validation procedure.\r\n"
       "   at System.Net.HttpWebRequest.EndGetResponse(IAsyncResult asyncResult)\r\n"
       "   at Microsoft.Exchange.InfoWorker.Common.Availability.Proxy.RestService.EndGetUserAvailability(IAsyncResult result)\r\n"
       "   --- End of inner exception stack trace ---\r\n\r\n"
       "The request information is ProxyWebRequest type = FederatedCrossForest, url = https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity\r\n"
       "Mailbox list = <user1>SMTP:user1@fabrikam.com, Parameters: windowStart = 10/1/2016 12:00:00 AM, windowEnd = 11/1/2016 12:00:00 AM, MergedFBInterval = 30, RequestedView = Detailed\r\n"
       ". \r\nName of the server where exception originated: EX01. LID: 43532")
with open(out, "w", newline="") as f:
    n = 0
    if kind == "csv":
        f.write("\ufeffLevel,Date and Time,Source,Event ID,Task Category\r\n")
    elif kind == "xml":
        f.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Events>\r\n')
    elif kind == "pscsv":
        f.write('#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId","ProviderName","ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId","TimeCreated","ActivityId","RelatedActivityId","ContainerLog","MatchedQueryIds","Bookmark","LevelDisplayName","OpcodeDisplayName","TaskDisplayName","KeywordsDisplayNames","Properties"\r\n')
    elif kind == "clixml":
        f.write('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\r\n')
    while f.tell() < size:
        n += 1
        d, h, m, s = 1 + n % 28, n % 12 + 1, n % 60, (n * 7) % 60
        if kind == "csv":
            m2 = msg.replace('"', '""')
            f.write(f'Error,10/{d}/2016 {h}:{m:02}:{s:02} PM,MSExchange Availability,4002,Availability Service,"{m2}"\r\n')
        elif kind == "xml":
            esc = msg.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            f.write(f"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MSExchange Availability'/><EventID Qualifiers='49156'>4002</EventID><Level>2</Level><Task>1</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='2016-10-{d:02}T{h:02}:{m:02}:{s:02}.000000000Z'/><EventRecordID>{n}</EventRecordID><Channel>Application</Channel><Computer>EX01.contoso.com</Computer><Security/></System><EventData><Data>5464</Data><Data>FederatedCrossForest</Data><Data>S-1-5-21-1</Data><Data>https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity</Data><Data>WSSecurity</Data><Data>{esc}</Data></EventData><RenderingInfo Culture='en-US'><Message>{esc}</Message><Level>Error</Level><Task>Availability Service</Task><Keywords><Keyword>Classic</Keyword></Keywords></RenderingInfo></Event>\r\n")
        elif kind == "pscsv":
            m2 = msg.replace('"', '""')
            f.write(f'"{m2}","4002","0","49156","2","1",,"36028797018963968","{n}","MSExchange Availability",,"Application","0","0","EX01.contoso.com",,"10/{d}/2016 {h}:{m:02}:{s:02} PM",,,"Application",,"System.Diagnostics.Eventing.Reader.EventBookmark","Error",,"Availability Service","Classic","System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]"\r\n')
        elif kind == "clixml":
            esc = msg.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r\n", "_x000D__x000A_")
            et = '<Obj N="EntryType" RefId="1"><TN RefId="1"><T>System.Diagnostics.EventLogEntryType</T></TN><ToString>Error</ToString><I32>1</I32></Obj>' if n == 1 else '<Ref N="EntryType" RefId="1" />'
            f.write(f'  <Obj RefId="{n*2}">\r\n    <TNRef RefId="0" />\r\n    <ToString>System.Diagnostics.EventLogEntry</ToString>\r\n    <Props>\r\n      <I32 N="EventID">4002</I32>\r\n      <S N="MachineName">EX01.contoso.com</S>\r\n      <I32 N="Index">{n}</I32>\r\n      <S N="Category">Availability Service</S>\r\n      {et}\r\n      <S N="Message">{esc}</S>\r\n      <S N="Source">MSExchange Availability</S>\r\n      <I64 N="InstanceId">3221491618</I64>\r\n      <DT N="TimeGenerated">2016-10-{d:02}T{h:02}:{m:02}:{s:02}+02:00</DT>\r\n    </Props>\r\n  </Obj>\r\n')
    if kind == "xml":
        f.write("</Events>\r\n")
    elif kind == "clixml":
        f.write("</Objs>\r\n")
print(n, "events")
