package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML page of {@code jipc bench --html}: well-formed, self-contained, both charts, the figures. */
class HtmlReportTest {

    private static AllBench.Report report() {
        Histogram fast = new Histogram(3);
        Histogram slow = new Histogram(3);
        for (int i = 1; i <= 1000; i++) {
            fast.recordValue(200 + i);
            slow.recordValue(20_000 + 10L * i);
        }
        List<MechanismResult> results = List.of(
                new MechanismResult(Mechanisms.byId("mailbox-spin"), null, new BenchResult("mailbox spin", fast, 1e6, 0, 0),
                        List.of(new Throughput(64, 4e7, 2560, 0), new Throughput(4096, 2e6, 8192, 0)), List.of()),
                new MechanismResult(Mechanisms.byId("udp"), null, new BenchResult("udp <&> \"loopback\"", slow, 5e4, 0, 0),
                        List.of(new Throughput(64, 3e5, 19.2, 0.02)), List.of("4 KiB: too large & <refused>")),
                new MechanismResult(Mechanisms.byId("ring"), "not available on this machine (a test)", null, List.of(),
                        List.of()));
        AllBench.Settings settings = new AllBench.Settings(64, List.of(4096), AllBench.Timing.QUICK,
                results.stream().map(MechanismResult::mechanism).toList());
        return new AllBench.Report(settings, results, "Test CPU <x86> & co", 12.5);
    }

    @Test
    void pageIsWellFormedSelfContainedAndHasBothCharts() throws Exception {
        String page = HtmlReport.page(report());

        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));

        assertEquals("html", doc.getDocumentElement().getLocalName());
        NodeList svgs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg");
        assertEquals(2, svgs.getLength(), "two charts");
        Element latency = (Element) svgs.item(0);
        Element throughput = (Element) svgs.item(1);
        assertEquals("latency", latency.getAttribute("id"));
        assertEquals("throughput", throughput.getAttribute("id"));
        assertEquals(2, latency.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").getLength(),
                "one p50 bar per mechanism with a ping-pong");
        assertEquals(3 + 2, throughput.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").getLength(),
                "one bar per measured size, plus the legend's two swatches");

        assertFalse(page.contains("<script"), "no scripts");
        assertFalse(page.contains("<link"), "no stylesheets to fetch");
        assertFalse(page.contains("@import") || page.contains("url("), "no fonts or images to fetch");
        String withoutNamespaces = page.replace("http://www.w3.org/1999/xhtml", "").replace("http://www.w3.org/2000/svg", "");
        assertFalse(withoutNamespaces.contains("http://") || withoutNamespaces.contains("https://"), "nothing external");

        String text = doc.getDocumentElement().getTextContent();
        assertTrue(text.contains("Test CPU <x86> & co"), "the machine, escaped and read back");
        assertTrue(text.contains("not available on this machine (a test)"), "the unavailable mechanism is listed");
        assertTrue(text.contains("4 KiB: too large & <refused>"), "the notes");
    }

    @Test
    void pageWithoutAnyFigureIsStillWellFormed() throws Exception {
        AllBench.Report full = report();
        AllBench.Report empty = new AllBench.Report(full.settings(), List.of(full.results().get(2)), "m", 0);
        String page = HtmlReport.page(empty);
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
        assertTrue(page.contains("<svg"));
    }
}
