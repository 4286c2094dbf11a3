// Every layer scan, registered by import: the worker thread's entry imports this list, so each scan a caller
// names runs there too.
import './ledger/ledgerScan';
import './world/jsonLayerScan';
import './trace/traceScan';
