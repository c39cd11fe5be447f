// The login form: JSON to /api/login, then into the console.
"use strict";

// Throttled: the button rests until the server will listen again, then the wait message goes.
function holdOff(message, seconds) {
  const button = document.querySelector("#login-form button[type=submit]");
  const shown = message.textContent;
  button.disabled = true;
  setTimeout(() => {
    button.disabled = false;
    if (message.textContent === shown) message.textContent = "";
  }, seconds * 1000);
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = document.getElementById("login-error");
  message.textContent = "";
  const name = document.getElementById("login-name").value.trim();
  const password = document.getElementById("login-password").value;
  if (!name || !password) {
    message.textContent = "Enter your name and password.";
    return;
  }
  try {
    const response = await fetch("/api/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, password }),
    });
    if (response.ok) {
      window.location.assign("/console/");
      return;
    }
    const body = await response.json().catch(() => ({}));
    message.textContent = body.error || `Login failed (${response.status}).`;
    if (response.status === 429) holdOff(message, Number(body.retry_after_seconds) || 1);
  } catch (problem) {
    message.textContent = "claw is not reachable; check the connection and try again.";
  }
});
