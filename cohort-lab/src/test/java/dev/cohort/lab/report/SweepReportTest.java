package dev.cohort.lab.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.lab.sweep.Predictions;
import dev.cohort.lab.sweep.RunResult;
import dev.cohort.lab.sweep.SweepFixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SweepReportTest {

  @Test
  void writesWellFormedHtmlWhosePlotsAreRealImages(@TempDir Path dir) throws Exception {
    Predictions.Predicted p = Predictions.apply(SweepFixtures.sweep(), SweepFixtures.PATHS, 2);
    Path html = new SweepReport(p, SweepFixtures.PATHS, 1.5, 2).write(dir);

    // Strict XML parsing: any unclosed or misnested tag, or stray '&' or '<', fails here.
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
    Document doc = f.newDocumentBuilder().parse(html.toFile());
    assertThat(doc.getDocumentElement().getTagName()).isEqualTo("html");

    NodeList imgs = doc.getElementsByTagName("img");
    assertThat(imgs.getLength()).isGreaterThanOrEqualTo(12);
    List<String> files = new ArrayList<>();
    for (int i = 0; i < imgs.getLength(); i++) {
      String src = ((Element) imgs.item(i)).getAttribute("src");
      assertThat(src).startsWith("data:image/png;base64,");
      BufferedImage img =
          ImageIO.read(
              new ByteArrayInputStream(
                  Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1))));
      assertThat(img).isNotNull();
      assertThat(img.getWidth()).isEqualTo(Charts.WIDTH);
      assertThat(distinctColours(img))
          .as("plot %d has more than a blank canvas", i)
          .isGreaterThan(5);
    }
    NodeList links = doc.getElementsByTagName("a");
    for (int i = 0; i < links.getLength(); i++) {
      files.add(((Element) links.item(i)).getAttribute("href"));
    }
    assertThat(files)
        .contains(
            "speedup.png",
            "breakdown.png",
            "latency.png",
            "bandwidth.png",
            "memory.png",
            "cost.png",
            "algorithms.png",
            "accuracy-time.png",
            "prediction.png");
    for (String file : files) {
      assertThat(dir.resolve(file)).isNotEmptyFile();
      assertThat(ImageIO.read(dir.resolve(file).toFile())).isNotNull();
    }
    String text = Files.readString(html);
    assertThat(text)
        .contains("Step-time model against measurement", "train-test gap", "Over seeds");
    assertThat(Files.readString(dir.resolve("sweep.md"))).contains("| scaling | cnn | 2 |");
  }

  @Test
  void summarySaysWhetherTheTargetIsMet() {
    List<RunResult> runs = Predictions.apply(SweepFixtures.sweep(), SweepFixtures.PATHS, 2).runs();
    assertThat(SweepReport.summaryLine(runs, 2))
        .containsPattern("median error [0-9.]+%")
        .containsAnyOf(": met.", ": NOT met.");
  }

  @Test
  void timeToAccuracyInterpolatesBetweenEpochs() {
    RunResult r =
        SweepFixtures.sweep().stream()
            .filter(x -> x.spec().group().equals("batch"))
            .findFirst()
            .orElseThrow();
    // 0.80 at epoch 1 (5 s on 2 workers), 0.83 at epoch 2 (10 s).
    assertThat(SweepView.timeTo(r, 0.80)).isEqualTo(5.0);
    assertThat(SweepView.timeTo(r, 0.815))
        .isEqualTo(7.5, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(SweepView.timeTo(r, 0.99)).isNaN();
  }

  private static int distinctColours(BufferedImage img) {
    Set<Integer> seen = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 3) {
      for (int x = 0; x < img.getWidth(); x += 3) {
        seen.add(img.getRGB(x, y));
      }
    }
    return seen.size();
  }
}
