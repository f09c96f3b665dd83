package io.jipc.cli.rpcdesk;

import java.util.List;

/** An RPC interface for {@code RpcCommandTest}: one method per kind of argument a command line gives. */
public interface Desk {
    enum Mood { CALM, BUSY }

    record Tally(String who, long total, List<String> notes) {
    }

    String greet(String who);

    long add(long a, int b);

    byte[] reverse(byte[] bytes);

    Mood flip(Mood mood);

    boolean not(boolean b);

    double half(double d);

    char first(String s);

    String repeat(char c, int n);

    Tally tally(String who, long total);

    long sum(List<Long> values);

    void fail(String message);

    void nap(int millis) throws InterruptedException;

    int twice(int a);

    String twice(String s);
}
