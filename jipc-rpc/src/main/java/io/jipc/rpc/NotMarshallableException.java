package io.jipc.rpc;

/**
 * A type or a value cannot travel in a call: the interface names a type outside what
 * {@link Marshaller} carries, or an argument or result holds one at run time.
 */
public class NotMarshallableException extends IllegalArgumentException {
    public NotMarshallableException(String message) {
        super(message);
    }
}
