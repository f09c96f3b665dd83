/**
 * Kernel pipes and FIFOs between real processes.
 *
 * <ul>
 * <li>{@link io.jipc.pipe.Pipe}, {@link io.jipc.pipe.PipeReader}, {@link io.jipc.pipe.PipeWriter}: the two ends
 *     of a kernel pipe, with blocking, non-blocking and timed reads and writes.</li>
 * <li>{@link io.jipc.pipe.Command}, {@link io.jipc.pipe.ChildProcess}, {@link io.jipc.pipe.Pipeline}: child
 *     processes (Java or not) wired by pipes to their standard streams, and pipelines
 *     {@code prog1 | prog2 | prog3}.</li>
 * <li>{@link io.jipc.pipe.Fifo}: named pipes that unrelated processes open by path.</li>
 * <li>{@link io.jipc.pipe.PipeChannel}: discrete messages over pipes, kept whole by a length-prefixed
 *     frame ({@link io.jipc.pipe.FrameCodec}).</li>
 * </ul>
 */
module io.jipc.pipes {
    requires transitive io.jipc.platform;

    exports io.jipc.pipe;
}
