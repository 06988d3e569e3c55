// QR codes: drawn as SVG (sharp at any size, printable), read from the camera or from a photo.
import QRCode from "qrcode";

export async function qrSvg(text) {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2, color: { dark: "#000000", light: "#ffffff" } });
}

let jsqr = null;
async function decoder() {
  // The browser's own detector where there is one; jsQR (loaded only when needed) elsewhere.
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (source) => (await detector.detect(source))[0]?.rawValue ?? null;
      }
    } catch {
      // fall through to jsQR
    }
  }
  jsqr = jsqr || (await import("jsqr")).default;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (source) => {
    const width = source.videoWidth || source.width;
    const height = source.videoHeight || source.height;
    if (!width || !height) return null;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    return jsqr(image.data, width, height, { inversionAttempts: "attemptBoth" })?.data ?? null;
  };
}

/** The text of the QR code in an image file (a photo taken with the phone's camera app, for example). */
export async function readQrFromFile(file) {
  const bitmap = await createImageBitmap(file);
  const decode = await decoder();
  return decode(bitmap);
}

/**
 * Reads QR codes from the device camera into `video` until `onText` returns true or `stop()` is called.
 * Resolves to {stop}; rejects with an Error whose `key` names the reason (no camera, permission refused).
 */
export async function scanCamera(video, onText) {
  if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error("no camera"), { key: "scan.no_camera" });
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    const key = error?.name === "NotAllowedError" ? "scan.denied" : "scan.no_camera";
    throw Object.assign(new Error(error?.message || key), { key });
  }
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  video.muted = true;
  await video.play();
  const decode = await decoder();
  let running = true;
  const stop = () => {
    running = false;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    window.removeEventListener("hashchange", stop);
  };
  window.addEventListener("hashchange", stop); // leaving the screen lets the camera go
  (async function loop() {
    while (running) {
      let text = null;
      try {
        text = await decode(video);
      } catch {
        // a frame that cannot be read yet
      }
      if (text && running && (await onText(text))) {
        stop();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return { stop };
}
