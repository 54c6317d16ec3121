#!/usr/bin/env node
// Committed entry point, so npm can link the `dhuman` bin before the TypeScript is built.
import '../dist/main.js';
