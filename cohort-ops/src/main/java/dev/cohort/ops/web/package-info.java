/**
 * What the dashboard and the model server share about serving HTTP with Jetty: a small server bound
 * where asked ({@link dev.cohort.ops.web.WebServer}), the access token every request must carry
 * ({@link dev.cohort.ops.web.AccessToken}), and responses with the security headers ({@link
 * dev.cohort.ops.web.Replies}).
 */
package dev.cohort.ops.web;
