package dev.cohort.comm.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A man in the middle for tests: takes one connection, dials the real server, copies bytes both
 * ways, records them, and may change one byte of what the client sends.
 */
final class Relay implements AutoCloseable {
  /** Changes the byte at offset {@code at} of the client's stream; -1: change nothing. */
  record Tamper(long at, int xor) {
    static final Tamper NONE = new Tamper(-1, 0);
  }

  private final ServerSocket listener;
  private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
  private final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
  private final Thread thread;

  Relay(int serverPort, Tamper tamper) throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    thread =
        new Thread(
            () -> {
              try (Socket client = listener.accept();
                  Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort)) {
                InputStream serverIn = server.getInputStream();
                Thread back = new Thread(() -> pipe(serverIn, client, fromServer, Tamper.NONE));
                back.start();
                pipe(client.getInputStream(), server, fromClient, tamper);
                back.join(5000);
              } catch (IOException | InterruptedException e) {
                // the test closed the relay
              }
            },
            "relay");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  synchronized byte[] clientBytes() {
    return fromClient.toByteArray();
  }

  synchronized byte[] serverBytes() {
    return fromServer.toByteArray();
  }

  private void pipe(InputStream in, Socket to, ByteArrayOutputStream record, Tamper tamper) {
    try {
      OutputStream out = to.getOutputStream();
      long offset = 0;
      int b;
      while ((b = in.read()) >= 0) {
        if (offset++ == tamper.at()) {
          b ^= tamper.xor();
        }
        synchronized (this) {
          record.write(b);
        }
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away; the other is closed below
    } finally {
      try {
        to.shutdownOutput();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    thread.interrupt();
  }
}
