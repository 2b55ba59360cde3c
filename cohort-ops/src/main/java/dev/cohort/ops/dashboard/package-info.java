/**
 * The live dashboard: a web page served by Jetty on loopback, behind an access token, that draws a
 * run's curves with uPlot from the {@link dev.cohort.ops.dashboard.RunView} it polls, and the
 * Prometheus endpoint beside it ({@link dev.cohort.ops.dashboard.DashboardServer}).
 */
package dev.cohort.ops.dashboard;
