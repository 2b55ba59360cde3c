package dev.cohort.lab.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's chart styles: XChart line and bar charts rendered to PNG without a display. */
public final class Charts {
  static final int WIDTH = 760;
  static final int HEIGHT = 440;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  public static XYChart xy(String title, String xTitle, String yTitle) {
    XYChart c =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    return c;
  }

  public static CategoryChart bars(String title, String xTitle, String yTitle) {
    CategoryChart c =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setXAxisLabelRotation(20);
    return c;
  }

  /** A measured series: solid line with markers. */
  public static void measured(XYChart c, String name, List<Double> x, List<Double> y) {
    if (!x.isEmpty()) {
      XYSeries s = c.addSeries(name, x, y);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
  }

  /** A predicted series: dashed, no markers. */
  public static void predicted(XYChart c, String name, List<Double> x, List<Double> y) {
    if (!x.isEmpty()) {
      XYSeries s = c.addSeries(name, x, y);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineStyle(SeriesLines.DASH_DASH);
    }
  }

  public static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot render the chart " + chart.getTitle(), e);
    }
  }
}
