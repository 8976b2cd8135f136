"""TensorFlow set-up (imported once, quietly) and the devices it runs on."""
