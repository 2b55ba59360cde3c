/**
 * A user's own program on Cohort: {@link com.example.OwnModel} (plain DJL, with BatchNorm, dropout
 * and the custom {@link com.example.ScaledResidual} block), {@link com.example.FashionData} (DJL
 * data sets), {@link com.example.Train} (joins the world with {@code Cohort.init()} and trains with
 * {@code DistributedTrainer}) and {@link com.example.Predict} (loads the saved model with plain DJL,
 * no Cohort classes).
 */
package com.example;
