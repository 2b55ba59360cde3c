/**
 * Mixture of experts: a transformer feed-forward layer of E experts of which each token uses its
 * top-1 or top-2 ({@link dev.cohort.train.moe.Routing}: capacity, dropped tokens, the Switch
 * Transformer's load-balancing loss), and expert parallelism: the experts spread over an expert
 * group, tokens dispatched to them and their outputs combined with two all-to-alls each way ({@link
 * dev.cohort.train.moe.MoeFeedForward}).
 */
package dev.cohort.train.moe;
