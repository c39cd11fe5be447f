// The login form: JSON to /api/login, then into the console.
"use strict";

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
  } catch (problem) {
    message.textContent = "claw is not reachable; check the connection and try again.";
  }
});
