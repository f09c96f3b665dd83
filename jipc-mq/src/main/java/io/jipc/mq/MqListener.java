package io.jipc.mq;

/** Called with each message a {@link MqSubscription} receives. */
@FunctionalInterface
public interface MqListener {
    /**
     * Handles one message. Runs on the subscription's virtual thread, one message at a time, in the
     * order they were received. An exception ends the subscription ({@link MqSubscription#failure()}).
     */
    void onMessage(MqMessage message) throws Exception;
}
