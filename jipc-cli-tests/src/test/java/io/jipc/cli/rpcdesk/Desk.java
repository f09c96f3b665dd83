package io.jipc.cli.rpcdesk;

import java.util.List;
import java.util.Map;

/** An RPC interface for {@code RpcCommandTest}: one method per kind of argument a command line gives. */
public interface Desk {
    enum Mood { CALM, BUSY }

    /** A constant whose toString() is not its name, which is what the command line takes. */
    enum Light {
        RED,
        GREEN {
            @Override
            public String toString() {
                return "go";
            }
        }
    }

    record Tally(String who, long total, List<String> notes) {
    }

    /** Never negative: the compact constructor refuses, on whichever side builds one. */
    record Amount(long cents, Mood mood) {
        public Amount {
            if (cents < 0) {
                throw new IllegalArgumentException("negative amount " + cents);
            }
        }
    }

    record Blob(String name, byte[] data) {
    }

    record Shelf(String label, Map<Long, String> items) {
    }

    /** Two levels of nesting per node (its list, then the node in it). */
    record Node(String v, List<Node> kids) {
    }

    /** {@link Light}s in every place JSON gives them: a component, a list's elements, a map's keys. */
    record Signal(Light now, List<Light> next, Map<Light, Integer> seconds) {
    }

    /** Floating-point numbers in every place JSON gives them: components, list elements, map keys and values. */
    record Gauge(float f, double d, List<Float> floats, Map<Double, Double> byKey) {
    }

    /** A point on a route; a map's key in {@link #route}. */
    record Spot(int x, int y) {
        public Spot {
            if (x < 0 || y < 0) {
                throw new IllegalArgumentException("a spot off the map " + x + "," + y);
            }
        }
    }

    /** One of each form a result is printed in as JSON. */
    record Everything(Signal signal, Map<Spot, String> legs, Blob blob, Gauge gauge, List<Map<List<String>, Mood>> tags,
                      Map<Character, Character> letters) {
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

    long total(List<Amount> amounts);

    Tally merge(Tally a, Tally b);

    int count(Map<Mood, List<Long>> byMood);

    String describe(Blob blob);

    void fail(String message);

    void nap(int millis) throws InterruptedException;

    int twice(int a);

    String twice(String s);

    /** The number of entries. */
    int weigh(Map<Double, String> byWeight);

    /** The number of items on all shelves. */
    int shelve(List<Shelf> shelves);

    Light light(Light light);

    /** The signal by its constants' names ({@code name()}, not {@code toString()}). */
    String signal(Signal signal);

    /** The plan by its constants' names, keys in order. */
    String plan(Map<Light, List<Light>> plan);

    /** The argument, as it arrived. */
    float exactly(float f);

    /** The number of nodes down the first kids. */
    int chain(Node node);

    /** The gauge, as it arrived ({@code toString()}). */
    String gauge(Gauge gauge);

    /** Redeclared (as some interfaces document them): not remote, the stub answers it itself. */
    @Override
    String toString();

    @Override
    int hashCode();

    @Override
    boolean equals(Object other);

    /** The legs by their spots' coordinates, in order ({@code "x,y=leg"}): keys a JSON object cannot name. */
    String route(Map<Spot, String> legs);

    /** The tags' totals, in order ({@code "[a, b]=3"}): list keys. */
    String tagged(Map<List<String>, Integer> byTags);

    /** The argument, as it arrived. */
    Everything echo(Everything everything);

    /** The four integers, printed in decimal. */
    String bits(byte b, short s, int i, long l);
}
