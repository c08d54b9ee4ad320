"""Media library helpers: renditions of images, embeds."""
